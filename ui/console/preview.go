package console

import (
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/steps"
)

// previewPicks is how many scale-in picks the console previews.
const previewPicks = 3

// scaleIn previews the first n instances scale-in would terminate from the
// group in s under policies (steps.PreviewTermination: AWS's documented
// algorithm). Only instances that count toward capacity are candidates:
// Standby, Terminating and Detaching ones are not.
func scaleIn(s *fleet.Snapshot, policies []string, n int) []steps.TerminationPick {
	if s == nil || n <= 0 {
		return nil
	}
	g := steps.PreviewGroup{LaunchTemplate: s.Group.LaunchTemplateID, Policies: policies}
	if g.LaunchTemplate == "" {
		g.LaunchTemplate = s.Group.LaunchTemplateName
	}
	version, numbered := atoi(s.Group.LaunchTemplateVersion)
	var ins []steps.PreviewInstance
	for _, in := range s.Instances {
		if in.Lifecycle != "InService" && !strings.HasPrefix(in.Lifecycle, "Pending") {
			continue
		}
		v, _ := atoi(in.LaunchTemplateVersion)
		p := steps.PreviewInstance{ID: in.ID, AZ: in.AZ, LaunchTime: in.LaunchTime, TemplateVersion: v, Protected: in.Protected}
		if in.LaunchTemplateID != "" {
			p.LaunchTemplate = g.LaunchTemplate
			if in.LaunchTemplateID != s.Group.LaunchTemplateID && s.Group.LaunchTemplateID != "" {
				p.LaunchTemplate = in.LaunchTemplateID
			}
		}
		// "$Latest" and "$Default" name no number: the newest version the
		// group's instances run stands in for it. (A version created but
		// not yet rolled out leaves every instance equally old, which
		// ranks them as AWS does.)
		if !numbered && p.LaunchTemplate == g.LaunchTemplate && v > version {
			version = v
		}
		ins = append(ins, p)
	}
	g.TemplateVersion = version
	return steps.PreviewTermination(g, ins, n, s.TakenAt)
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}
