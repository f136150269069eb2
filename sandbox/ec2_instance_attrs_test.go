package sandbox

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestDescribeInstanceAttributeAnswersUserDataAsSent(t *testing.T) {
	f := newComputeFixture(t)
	script := base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\necho hi\n"))
	id := f.run(1, func(in *ec2.RunInstancesInput) { in.UserData = aws.String(script) }).Instances[0].InstanceId
	ud := must[*ec2.DescribeInstanceAttributeOutput](t)(f.ec2.DescribeInstanceAttribute(testCtx(t), &ec2.DescribeInstanceAttributeInput{
		InstanceId: id, Attribute: types.InstanceAttributeNameUserData}))
	if aws.ToString(ud.InstanceId) != aws.ToString(id) || ud.UserData == nil || aws.ToString(ud.UserData.Value) != script {
		t.Fatalf("userData = %+v", ud.UserData)
	}
	typ := must[*ec2.DescribeInstanceAttributeOutput](t)(f.ec2.DescribeInstanceAttribute(testCtx(t), &ec2.DescribeInstanceAttributeInput{
		InstanceId: id, Attribute: types.InstanceAttributeNameInstanceType}))
	if typ.InstanceType == nil || aws.ToString(typ.InstanceType.Value) != "t3.micro" {
		t.Fatalf("instanceType = %+v", typ.InstanceType)
	}
	none := f.run(1).Instances[0].InstanceId
	empty := must[*ec2.DescribeInstanceAttributeOutput](t)(f.ec2.DescribeInstanceAttribute(testCtx(t), &ec2.DescribeInstanceAttributeInput{
		InstanceId: none, Attribute: types.InstanceAttributeNameUserData}))
	if empty.UserData != nil && aws.ToString(empty.UserData.Value) != "" {
		t.Fatalf("userData of an instance launched without = %q", aws.ToString(empty.UserData.Value))
	}
	_, err := f.ec2.DescribeInstanceAttribute(testCtx(t), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String("i-0123456789abcdef0"), Attribute: types.InstanceAttributeNameUserData})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}
