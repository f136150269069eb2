package aws

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// iamPrefixOf maps an SDK service package to its IAM action prefix.
var iamPrefixOf = map[string]string{
	"acm": "acm", "autoscaling": "autoscaling", "cloudwatch": "cloudwatch", "ec2": "ec2",
	"elasticloadbalancingv2": "elasticloadbalancing", "iam": "iam", "route53": "route53",
	"sns": "sns", "ssm": "ssm", "sts": "sts", "kms": "kms", "s3": "s3",
}

// iamActionOf maps the SDK operations whose IAM action has another name
// to that action.
var iamActionOf = map[string]string{
	"s3:DeleteObjects": "s3:DeleteObject", "s3:HeadBucket": "s3:ListBucket", "s3:ListObjectsV2": "s3:ListBucket",
	"s3:ListBuckets": "s3:ListAllMyBuckets", "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
	"s3:PutBucketEncryption":             "s3:PutEncryptionConfiguration",
	"s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
	"s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
}

// calledActions parses this package's sources and returns the IAM action
// of every SDK operation its small interfaces declare: a method taking
// `...func(*<service>.Options)`.
func calledActions(t *testing.T) map[string][]string {
	t.Helper()
	// The adapters, and the console's read model beside them (aws/fleet),
	// which calls the SDK itself.
	var files []string
	for _, pattern := range []string{"*.go", "fleet/*.go"} {
		matched, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matched...)
	}
	fset := token.NewFileSet()
	out := map[string][]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		imports := map[string]string{} // local name → SDK service package
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if !strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/") {
				continue
			}
			local := path.Base(p)
			if im.Name != nil {
				local = im.Name.Name
			}
			imports[local] = path.Base(p)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			it, ok := n.(*ast.InterfaceType)
			if !ok {
				return true
			}
			for _, m := range it.Methods.List {
				ft, ok := m.Type.(*ast.FuncType)
				if !ok || len(m.Names) == 0 || ft.Params == nil || len(ft.Params.List) == 0 {
					continue
				}
				last := ft.Params.List[len(ft.Params.List)-1].Type
				ell, ok := last.(*ast.Ellipsis)
				if !ok {
					continue
				}
				fn, ok := ell.Elt.(*ast.FuncType)
				if !ok || len(fn.Params.List) != 1 {
					continue
				}
				star, ok := fn.Params.List[0].Type.(*ast.StarExpr)
				if !ok {
					continue
				}
				sel, ok := star.X.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Options" {
					continue
				}
				pkg := imports[sel.X.(*ast.Ident).Name]
				prefix, ok := iamPrefixOf[pkg]
				if !ok {
					t.Errorf("%s: %s: SDK package %q has no IAM prefix in this test", name, m.Names[0].Name, pkg)
					continue
				}
				action := prefix + ":" + m.Names[0].Name
				if renamed, ok := iamActionOf[action]; ok {
					action = renamed
				}
				out[action] = append(out[action], name)
			}
			return true
		})
	}
	return out
}

// TestRequiredActionsMatchTheCallsTheAdaptersMake fails when an adapter
// calls an operation RequiredActions does not list (doctor would not check
// it, docs/iam-policy.json would miss it), and when RequiredActions lists
// an operation nothing calls, other than those AWS authorizes implicitly.
func TestRequiredActionsMatchTheCallsTheAdaptersMake(t *testing.T) {
	called := calledActions(t)
	if len(called) < 100 {
		t.Fatalf("found only %d SDK operations in the adapters; the parser is missing interfaces", len(called))
	}
	listed := map[string]Purpose{}
	for _, a := range RequiredActions() {
		if _, dup := listed[a.Name]; dup {
			t.Errorf("%s is listed twice", a.Name)
		}
		if a.Purposes == 0 {
			t.Errorf("%s has no purpose", a.Name)
		}
		listed[a.Name] = a.Purposes
	}
	var missing []string
	for action, files := range called {
		if _, ok := listed[action]; !ok {
			missing = append(missing, action+" (called in "+strings.Join(files, ", ")+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("RequiredActions lacks %s", m)
	}
	implicit := map[string]bool{
		"ec2:CreateTags": true, "iam:PassRole": true, "iam:TagRole": true, "iam:TagInstanceProfile": true,
		"iam:CreateServiceLinkedRole": true, "sns:TagResource": true, "cloudwatch:TagResource": true, "kms:TagResource": true,
		"logs:CreateLogDelivery": true, "logs:DeleteLogDelivery": true,
	}
	for action := range listed {
		if _, ok := called[action]; !ok && !implicit[action] {
			t.Errorf("RequiredActions lists %s, which no adapter calls", action)
		}
	}
}

func TestRequiredActionsForSelectsByPurpose(t *testing.T) {
	destroy := RequiredActionsFor(PurposeDestroy)
	apply := RequiredActionsFor(PurposeApply)
	has := func(list []string, a string) bool {
		for _, x := range list {
			if x == a {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		list   []string
		action string
		want   bool
	}{
		{apply, "ec2:RunInstances", true},
		{destroy, "ec2:RunInstances", false},
		{destroy, "ec2:DeleteVpc", true},
		{apply, "ec2:DeleteVpc", false},
		{destroy, "ec2:DescribeVpcs", true},
		{RequiredActionsFor(PurposeConsole), "autoscaling:EnterStandby", true},
		{apply, "iam:SimulatePrincipalPolicy", false},
	} {
		if got := has(tc.list, tc.action); got != tc.want {
			t.Errorf("%s in list: %v, want %v", tc.action, got, tc.want)
		}
	}
	if got := (PurposeApply | PurposeDestroy).String(); got != "apply, destroy" {
		t.Errorf("String() = %q", got)
	}
}
