package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestDescribeInstanceTypesKnowsTheCommonFamilies(t *testing.T) {
	f := newComputeFixture(t)
	cases := []struct {
		name     types.InstanceType
		vcpus    int32
		memMiB   int64
		arch     types.ArchitectureType
		freeTier bool
	}{
		{"t2.micro", 1, 1024, types.ArchitectureTypeX8664, true},
		{"t3.micro", 2, 1024, types.ArchitectureTypeX8664, true},
		{"t3.small", 2, 2048, types.ArchitectureTypeX8664, false},
		{"t3a.medium", 2, 4096, types.ArchitectureTypeX8664, false},
		{"t4g.micro", 2, 1024, types.ArchitectureTypeArm64, false},
		{"t3.2xlarge", 8, 32768, types.ArchitectureTypeX8664, false},
		{"m5.large", 2, 8192, types.ArchitectureTypeX8664, false},
		{"m6i.xlarge", 4, 16384, types.ArchitectureTypeX8664, false},
		{"m7i.4xlarge", 16, 65536, types.ArchitectureTypeX8664, false},
		{"c5.large", 2, 4096, types.ArchitectureTypeX8664, false},
		{"c6i.2xlarge", 8, 16384, types.ArchitectureTypeX8664, false},
		{"c7i.4xlarge", 16, 32768, types.ArchitectureTypeX8664, false},
		{"r5.large", 2, 16384, types.ArchitectureTypeX8664, false},
		{"r6i.2xlarge", 8, 65536, types.ArchitectureTypeX8664, false},
	}
	names := make([]types.InstanceType, 0, len(cases))
	for _, tc := range cases {
		names = append(names, tc.name)
	}
	out := must[*ec2.DescribeInstanceTypesOutput](t)(f.ec2.DescribeInstanceTypes(testCtx(t), &ec2.DescribeInstanceTypesInput{InstanceTypes: names}))
	got := map[types.InstanceType]types.InstanceTypeInfo{}
	for _, it := range out.InstanceTypes {
		got[it.InstanceType] = it
	}
	for _, tc := range cases {
		it, ok := got[tc.name]
		switch {
		case !ok:
			t.Errorf("%s missing", tc.name)
		case aws.ToInt32(it.VCpuInfo.DefaultVCpus) != tc.vcpus, aws.ToInt64(it.MemoryInfo.SizeInMiB) != tc.memMiB,
			len(it.ProcessorInfo.SupportedArchitectures) != 1 || it.ProcessorInfo.SupportedArchitectures[0] != tc.arch,
			aws.ToBool(it.FreeTierEligible) != tc.freeTier:
			t.Errorf("%s = %d vCPU, %d MiB, %v, free tier %v; want %d, %d, %s, %v", tc.name, aws.ToInt32(it.VCpuInfo.DefaultVCpus),
				aws.ToInt64(it.MemoryInfo.SizeInMiB), it.ProcessorInfo.SupportedArchitectures, aws.ToBool(it.FreeTierEligible), tc.vcpus, tc.memMiB, tc.arch, tc.freeTier)
		}
	}

	free := must[*ec2.DescribeInstanceTypesOutput](t)(f.ec2.DescribeInstanceTypes(testCtx(t), &ec2.DescribeInstanceTypesInput{Filters: []types.Filter{filter("free-tier-eligible", "true")}}))
	if len(free.InstanceTypes) != 2 {
		t.Fatalf("free-tier types = %d, want t2.micro and t3.micro", len(free.InstanceTypes))
	}
	arm := 0
	p := ec2.NewDescribeInstanceTypesPaginator(f.ec2, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filter("processor-info.supported-architecture", "arm64")}})
	for p.HasMorePages() {
		arm += len(must[*ec2.DescribeInstanceTypesOutput](t)(p.NextPage(testCtx(t))).InstanceTypes)
	}
	if arm != 15 { // t4g nano..2xlarge, m7g and c7g large..4xlarge
		t.Fatalf("arm64 types = %d, want 15", arm)
	}
	_, err := f.ec2.DescribeInstanceTypes(testCtx(t), &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t3.mega"}})
	wantCode(t, err, "InvalidInstanceType")
}
