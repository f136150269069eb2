package sandbox

import (
	"sort"
	"strconv"
	"strings"
)

// instanceType is what DescribeInstanceTypes tells about one type.
type instanceType struct {
	Name         string
	Arch         string // x86_64 or arm64
	VCPUs        int
	MemoryMiB    int
	Manufacturer string
	ClockGHz     float64
	Hypervisor   string
	Burstable    bool
	FreeTier     bool
	Network      string
	MaxENIs      int
	IPsPerENI    int
}

// instanceFamily describes a family; its sizes follow AWS's pattern.
type instanceFamily struct {
	name, arch, manufacturer, hypervisor string
	clock                                float64
	memPerVCPU                           int // GiB; 0 for the burstable families
	sizes                                []string
}

func instanceFamilies() []instanceFamily {
	burst := []string{"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"}
	upTo4 := []string{"large", "xlarge", "2xlarge", "4xlarge"}
	upTo2 := []string{"large", "xlarge", "2xlarge"}
	return []instanceFamily{
		{"t2", "x86_64", "Intel", "xen", 2.3, 0, burst},
		{"t3", "x86_64", "Intel", "nitro", 2.5, 0, burst},
		{"t3a", "x86_64", "AMD", "nitro", 2.2, 0, burst},
		{"t4g", "arm64", "AWS", "nitro", 2.5, 0, burst},
		{"m5", "x86_64", "Intel", "nitro", 3.1, 4, upTo4},
		{"m6i", "x86_64", "Intel", "nitro", 3.5, 4, upTo4},
		{"m7i", "x86_64", "Intel", "nitro", 3.2, 4, upTo4},
		{"m7g", "arm64", "AWS", "nitro", 2.6, 4, upTo4},
		{"c5", "x86_64", "Intel", "nitro", 3.4, 2, upTo4},
		{"c6i", "x86_64", "Intel", "nitro", 3.5, 2, upTo4},
		{"c7i", "x86_64", "Intel", "nitro", 3.2, 2, upTo4},
		{"c7g", "arm64", "AWS", "nitro", 2.6, 2, upTo4},
		{"r5", "x86_64", "Intel", "nitro", 3.1, 8, upTo2},
		{"r6i", "x86_64", "Intel", "nitro", 3.5, 8, upTo2},
	}
}

// build fills in the figures of one size of f.
func (f instanceFamily) build(size string) instanceType {
	t := instanceType{Name: f.name + "." + size, Arch: f.arch, Manufacturer: f.manufacturer, ClockGHz: f.clock, Hypervisor: f.hypervisor}
	burstMem := map[string]int{"nano": 512, "micro": 1024, "small": 2048, "medium": 4096, "large": 8192, "xlarge": 16384, "2xlarge": 32768}
	vcpus := map[string]int{"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16}
	enis := map[string][2]int{"nano": {2, 2}, "micro": {2, 2}, "small": {3, 4}, "medium": {3, 6}, "large": {3, 12}, "xlarge": {4, 15}, "2xlarge": {4, 15}, "4xlarge": {8, 30}}
	t.VCPUs = vcpus[size]
	t.MaxENIs, t.IPsPerENI = enis[size][0], enis[size][1]
	if f.memPerVCPU == 0 {
		t.Burstable = true
		t.MemoryMiB = burstMem[size]
		t.Network = "Up to 5 Gigabit"
		if f.name == "t2" {
			t.Network = "Low to Moderate"
			t.VCPUs = map[string]int{"nano": 1, "micro": 1, "small": 1, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8}[size]
		}
	} else {
		t.MemoryMiB = t.VCPUs * f.memPerVCPU * 1024
		t.Network = "Up to 12.5 Gigabit"
		if f.name == "m5" || f.name == "c5" || f.name == "r5" {
			t.Network = "Up to 10 Gigabit"
		}
		if size == "large" {
			t.IPsPerENI = 10
		}
	}
	t.FreeTier = t.Name == "t2.micro" || t.Name == "t3.micro"
	return t
}

// allInstanceTypes lists every type the sandbox knows, by name.
func allInstanceTypes() []instanceType {
	var out []instanceType
	for _, f := range instanceFamilies() {
		for _, size := range f.sizes {
			out = append(out, f.build(size))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// instanceTypeInfo returns the type called name, or nil.
func instanceTypeInfo(name string) *instanceType {
	fam, size, ok := strings.Cut(name, ".")
	if !ok {
		return nil
	}
	for _, f := range instanceFamilies() {
		if f.name != fam {
			continue
		}
		for _, s := range f.sizes {
			if s == size {
				t := f.build(size)
				return &t
			}
		}
	}
	return nil
}

func instanceTypeField(t *instanceType, name string) ([]string, bool) {
	switch name {
	case "instance-type":
		return []string{t.Name}, true
	case "free-tier-eligible":
		return []string{boolStr(t.FreeTier)}, true
	case "processor-info.supported-architecture":
		return []string{t.Arch}, true
	case "current-generation":
		return []string{"true"}, true
	case "burstable-performance-supported":
		return []string{boolStr(t.Burstable)}, true
	case "vcpu-info.default-vcpus":
		return []string{strconv.Itoa(t.VCPUs)}, true
	case "memory-info.size-in-mib":
		return []string{strconv.Itoa(t.MemoryMiB)}, true
	case "hypervisor":
		return []string{t.Hypervisor}, true
	case "processor-info.manufacturer":
		return []string{t.Manufacturer}, true
	}
	return nil, false
}

// describeInstanceTypes answers for the common families.
func describeInstanceTypes(c *call) (any, error) {
	all := map[string]*instanceType{}
	for _, t := range allInstanceTypes() {
		all[t.Name] = &t
	}
	var unknown []string
	for _, n := range c.p.List("InstanceType") {
		if all[n] == nil {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return nil, errBadRequest("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", strings.Join(unknown, ", "))
	}
	fields := func(t *instanceType) fieldFunc {
		if t == nil {
			t = &instanceType{}
		}
		return func(name string) ([]string, bool) { return instanceTypeField(t, name) }
	}
	list, next, err := describe(c, all, "InstanceType", func(*instanceType) []Tag { return nil }, fields, 5)
	if err != nil {
		return nil, err
	}
	out := struct {
		Types     []instanceTypeXML `xml:"instanceTypeSet>item"`
		NextToken string            `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, t := range list {
		out.Types = append(out.Types, instanceTypeXMLOf(t))
	}
	return out, nil
}

type instanceTypeXML struct {
	InstanceType      string   `xml:"instanceType"`
	CurrentGeneration bool     `xml:"currentGeneration"`
	FreeTierEligible  bool     `xml:"freeTierEligible"`
	UsageClasses      []string `xml:"supportedUsageClasses>item"`
	RootDeviceTypes   []string `xml:"supportedRootDeviceTypes>item"`
	Virtualization    []string `xml:"supportedVirtualizationTypes>item"`
	BareMetal         bool     `xml:"bareMetal"`
	Hypervisor        string   `xml:"hypervisor"`
	Processor         struct {
		Architectures []string `xml:"supportedArchitectures>item"`
		ClockGHz      float64  `xml:"sustainedClockSpeedInGhz"`
		Manufacturer  string   `xml:"manufacturer"`
	} `xml:"processorInfo"`
	VCPU struct {
		Default        int `xml:"defaultVCpus"`
		Cores          int `xml:"defaultCores"`
		ThreadsPerCore int `xml:"defaultThreadsPerCore"`
	} `xml:"vCpuInfo"`
	Memory struct {
		SizeMiB int `xml:"sizeInMiB"`
	} `xml:"memoryInfo"`
	InstanceStorage bool `xml:"instanceStorageSupported"`
	Network         struct {
		Performance string `xml:"networkPerformance"`
		MaxENIs     int    `xml:"maximumNetworkInterfaces"`
		IPv4PerENI  int    `xml:"ipv4AddressesPerInterface"`
		IPv6PerENI  int    `xml:"ipv6AddressesPerInterface"`
		IPv6        bool   `xml:"ipv6Supported"`
		ENA         string `xml:"enaSupport"`
	} `xml:"networkInfo"`
	Burstable bool     `xml:"burstablePerformanceSupported"`
	BootModes []string `xml:"supportedBootModes>item"`
}

func instanceTypeXMLOf(t *instanceType) instanceTypeXML {
	x := instanceTypeXML{
		InstanceType: t.Name, CurrentGeneration: true, FreeTierEligible: t.FreeTier,
		UsageClasses: []string{"on-demand", "spot"}, RootDeviceTypes: []string{"ebs"}, Virtualization: []string{"hvm"},
		Hypervisor: t.Hypervisor, Burstable: t.Burstable,
	}
	x.Processor.Architectures, x.Processor.ClockGHz, x.Processor.Manufacturer = []string{t.Arch}, t.ClockGHz, t.Manufacturer
	x.VCPU.Default, x.VCPU.Cores, x.VCPU.ThreadsPerCore = t.VCPUs, max(1, t.VCPUs/2), 2
	if t.Arch == "arm64" || t.VCPUs == 1 {
		x.VCPU.Cores, x.VCPU.ThreadsPerCore = t.VCPUs, 1
	}
	x.Memory.SizeMiB = t.MemoryMiB
	x.Network.Performance, x.Network.MaxENIs, x.Network.IPv4PerENI, x.Network.IPv6PerENI = t.Network, t.MaxENIs, t.IPsPerENI, t.IPsPerENI
	x.Network.IPv6, x.Network.ENA = true, "required"
	x.BootModes = []string{"legacy-bios", "uefi"}
	if t.Arch == "arm64" {
		x.BootModes = []string{"uefi"}
	}
	if t.Hypervisor == "xen" {
		x.Network.ENA = "unsupported"
		x.BootModes = []string{"legacy-bios"}
	}
	return x
}
