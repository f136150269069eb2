package sandbox

import (
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const ec2TrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// role creates a role that EC2 may assume.
func (f *computeFixture) role(name string) *types.Role {
	f.t.Helper()
	out, err := f.iam.CreateRole(testCtx(f.t), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2TrustPolicy)})
	if err != nil {
		f.t.Fatalf("CreateRole %s: %v", name, err)
	}
	return out.Role
}

// profileWithRole creates an instance profile holding a new role of the same name.
func (f *computeFixture) profileWithRole(name string) *types.InstanceProfile {
	f.t.Helper()
	f.role(name)
	out, err := f.iam.CreateInstanceProfile(testCtx(f.t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		f.t.Fatalf("CreateInstanceProfile %s: %v", name, err)
	}
	if _, err := f.iam.AddRoleToInstanceProfile(testCtx(f.t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name)}); err != nil {
		f.t.Fatalf("AddRoleToInstanceProfile %s: %v", name, err)
	}
	return out.InstanceProfile
}

func TestCreateRoleAnswersInAWSFormats(t *testing.T) {
	f := newComputeFixture(t)
	out, err := f.iam.CreateRole(testCtx(t), &iam.CreateRoleInput{
		RoleName: aws.String("qvic-app"), Path: aws.String("/stackwiz/"), AssumeRolePolicyDocument: aws.String(ec2TrustPolicy),
		Description: aws.String("app instances"), Tags: []types.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("qvic")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(aws.ToString(r.RoleId)) {
		t.Errorf("role id %q is not AROA + 17 base32 characters", aws.ToString(r.RoleId))
	}
	if got := aws.ToString(r.Arn); got != "arn:aws:iam::123456789012:role/stackwiz/qvic-app" {
		t.Errorf("arn = %s", got)
	}
	got := must[*iam.GetRoleOutput](t)(f.iam.GetRole(testCtx(t), &iam.GetRoleInput{RoleName: aws.String("qvic-app")})).Role
	doc, err := url.QueryUnescape(aws.ToString(got.AssumeRolePolicyDocument))
	if err != nil || doc != ec2TrustPolicy {
		t.Errorf("trust policy comes back as %q (decoded %q), want the URL-encoded document", aws.ToString(got.AssumeRolePolicyDocument), doc)
	}
	if aws.ToString(got.Description) != "app instances" || aws.ToInt32(got.MaxSessionDuration) != 3600 || len(got.Tags) != 1 || got.CreateDate == nil {
		t.Errorf("role = %+v", got)
	}

	_, err = f.iam.CreateRole(testCtx(t), &iam.CreateRoleInput{RoleName: aws.String("QVIC-APP"), AssumeRolePolicyDocument: aws.String(ec2TrustPolicy)})
	wantCode(t, err, "EntityAlreadyExists")
	_, err = f.iam.CreateRole(testCtx(t), &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Version":`)})
	wantCode(t, err, "MalformedPolicyDocument")
	_, err = f.iam.CreateRole(testCtx(t), &iam.CreateRoleInput{RoleName: aws.String("bad name!"), AssumeRolePolicyDocument: aws.String(ec2TrustPolicy)})
	wantCode(t, err, "ValidationError")
	_, err = f.iam.GetRole(testCtx(t), &iam.GetRoleInput{RoleName: aws.String("nobody")})
	wantCode(t, err, "NoSuchEntity")
}

func TestRoleTagsCanBeAddedListedAndRemoved(t *testing.T) {
	f := newComputeFixture(t)
	f.role("app")
	must[*iam.TagRoleOutput](t)(f.iam.TagRole(testCtx(t), &iam.TagRoleInput{RoleName: aws.String("app"), Tags: []types.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")},
	}}))
	must[*iam.TagRoleOutput](t)(f.iam.TagRole(testCtx(t), &iam.TagRoleInput{RoleName: aws.String("app"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("3")}}}))
	must[*iam.UntagRoleOutput](t)(f.iam.UntagRole(testCtx(t), &iam.UntagRoleInput{RoleName: aws.String("app"), TagKeys: []string{"b"}}))
	tags := must[*iam.ListRoleTagsOutput](t)(f.iam.ListRoleTags(testCtx(t), &iam.ListRoleTagsInput{RoleName: aws.String("app")}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "a" || aws.ToString(tags.Tags[0].Value) != "3" || tags.IsTruncated {
		t.Fatalf("tags = %+v", tags.Tags)
	}
	_, err := f.iam.TagRole(testCtx(t), &iam.TagRoleInput{RoleName: aws.String("app"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}})
	wantCode(t, err, "InvalidInput")
}

func TestListRolesPagesWithMarkerAndFiltersByPath(t *testing.T) {
	f := newComputeFixture(t)
	for i := range 7 {
		path := "/"
		if i%2 == 0 {
			path = "/app/"
		}
		must[*iam.CreateRoleOutput](t)(f.iam.CreateRole(testCtx(t), &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("role-%d", i)), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(ec2TrustPolicy)}))
	}
	var names []string
	pages := 0
	p := iam.NewListRolesPaginator(f.iam, &iam.ListRolesInput{MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		out := must[*iam.ListRolesOutput](t)(p.NextPage(testCtx(t)))
		pages++
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	if len(names) != 7 || pages != 3 {
		t.Fatalf("listed %d roles in %d pages, want 7 in 3", len(names), pages)
	}
	app := must[*iam.ListRolesOutput](t)(f.iam.ListRoles(testCtx(t), &iam.ListRolesInput{PathPrefix: aws.String("/app/")}))
	if len(app.Roles) != 4 || app.IsTruncated {
		t.Fatalf("/app/ roles = %d", len(app.Roles))
	}
}

func TestManagedAndInlinePoliciesOnARole(t *testing.T) {
	f := newComputeFixture(t)
	f.role("app")
	ssmCore := "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	for _, arn := range []string{ssmCore, "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", ssmCore} {
		must[*iam.AttachRolePolicyOutput](t)(f.iam.AttachRolePolicy(testCtx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)}))
	}
	attached := must[*iam.ListAttachedRolePoliciesOutput](t)(f.iam.ListAttachedRolePolicies(testCtx(t), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")}))
	if len(attached.AttachedPolicies) != 2 || aws.ToString(attached.AttachedPolicies[0].PolicyName) != "AmazonSSMManagedInstanceCore" {
		t.Fatalf("attached = %+v", attached.AttachedPolicies)
	}
	_, err := f.iam.AttachRolePolicy(testCtx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	wantCode(t, err, "NoSuchEntity")
	_, err = f.iam.AttachRolePolicy(testCtx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("ghost"), PolicyArn: aws.String(ssmCore)})
	wantCode(t, err, "NoSuchEntity")

	pol := must[*iam.GetPolicyOutput](t)(f.iam.GetPolicy(testCtx(t), &iam.GetPolicyInput{PolicyArn: aws.String(ssmCore)})).Policy
	if aws.ToString(pol.PolicyName) != "AmazonSSMManagedInstanceCore" || aws.ToInt32(pol.AttachmentCount) != 1 || !pol.IsAttachable ||
		!regexp.MustCompile(`^ANPA[A-Z2-7]{17}$`).MatchString(aws.ToString(pol.PolicyId)) {
		t.Fatalf("policy = %+v", pol)
	}
	for _, name := range []string{"AmazonS3ReadOnlyAccess", "ReadOnlyAccess", "AdministratorAccess", "AmazonEC2ContainerRegistryReadOnly"} {
		if _, err := f.iam.GetPolicy(testCtx(t), &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/" + name)}); err != nil {
			t.Errorf("GetPolicy %s: %v", name, err)
		}
	}
	_, err = f.iam.GetPolicy(testCtx(t), &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/mine")})
	wantCode(t, err, "NoSuchEntity")

	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	must[*iam.PutRolePolicyOutput](t)(f.iam.PutRolePolicy(testCtx(t), &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("read-bucket"), PolicyDocument: aws.String(doc)}))
	got := must[*iam.GetRolePolicyOutput](t)(f.iam.GetRolePolicy(testCtx(t), &iam.GetRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("read-bucket")}))
	if decoded, _ := url.QueryUnescape(aws.ToString(got.PolicyDocument)); decoded != doc {
		t.Fatalf("inline policy = %q", decoded)
	}
	names := must[*iam.ListRolePoliciesOutput](t)(f.iam.ListRolePolicies(testCtx(t), &iam.ListRolePoliciesInput{RoleName: aws.String("app")}))
	if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "read-bucket" {
		t.Fatalf("inline policies = %v", names.PolicyNames)
	}
	_, err = f.iam.PutRolePolicy(testCtx(t), &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("bad"), PolicyDocument: aws.String("not json")})
	wantCode(t, err, "MalformedPolicyDocument")
	_, err = f.iam.DeleteRolePolicy(testCtx(t), &iam.DeleteRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("nope")})
	wantCode(t, err, "NoSuchEntity")
	_, err = f.iam.DetachRolePolicy(testCtx(t), &iam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	wantCode(t, err, "NoSuchEntity")
}

func TestInstanceProfileHoldsOneRole(t *testing.T) {
	f := newComputeFixture(t)
	p := f.profileWithRole("app")
	if !regexp.MustCompile(`^AIPA[A-Z2-7]{17}$`).MatchString(aws.ToString(p.InstanceProfileId)) || aws.ToString(p.Arn) != "arn:aws:iam::123456789012:instance-profile/app" {
		t.Fatalf("profile = id %s, arn %s", aws.ToString(p.InstanceProfileId), aws.ToString(p.Arn))
	}
	f.role("other")
	_, err := f.iam.AddRoleToInstanceProfile(testCtx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("app"), RoleName: aws.String("other")})
	wantCode(t, err, "LimitExceeded")
	got := must[*iam.GetInstanceProfileOutput](t)(f.iam.GetInstanceProfile(testCtx(t), &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("app")})).InstanceProfile
	if len(got.Roles) != 1 || aws.ToString(got.Roles[0].RoleName) != "app" {
		t.Fatalf("profile roles = %+v", got.Roles)
	}
	forRole := must[*iam.ListInstanceProfilesForRoleOutput](t)(f.iam.ListInstanceProfilesForRole(testCtx(t), &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app")}))
	if len(forRole.InstanceProfiles) != 1 || aws.ToString(forRole.InstanceProfiles[0].InstanceProfileName) != "app" {
		t.Fatalf("profiles for role = %+v", forRole.InstanceProfiles)
	}
	must[*iam.TagInstanceProfileOutput](t)(f.iam.TagInstanceProfile(testCtx(t), &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("app"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	all := must[*iam.ListInstanceProfilesOutput](t)(f.iam.ListInstanceProfiles(testCtx(t), &iam.ListInstanceProfilesInput{}))
	if len(all.InstanceProfiles) != 1 {
		t.Fatalf("profiles = %d", len(all.InstanceProfiles))
	}
	_, err = f.iam.CreateInstanceProfile(testCtx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("app")})
	wantCode(t, err, "EntityAlreadyExists")
	_, err = f.iam.GetInstanceProfile(testCtx(t), &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("ghost")})
	wantCode(t, err, "NoSuchEntity")
	_, err = f.iam.RemoveRoleFromInstanceProfile(testCtx(t), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("app"), RoleName: aws.String("other")})
	wantCode(t, err, "NoSuchEntity")

	kinds := map[string]string{}
	for _, it := range f.Inventory() {
		kinds[it.Name+"/"+it.Type] = it.Tags["k"]
	}
	if _, ok := kinds["app/iam:role"]; !ok || kinds["app/iam:instance-profile"] != "v" {
		t.Fatalf("inventory = %v", kinds)
	}
}

// TestDeleteRoleInTheDocumentedOrder walks AWS's teardown order: each step
// before the last leaves the role undeletable with DeleteConflict.
func TestDeleteRoleInTheDocumentedOrder(t *testing.T) {
	f := newComputeFixture(t)
	f.profileWithRole("app")
	arn := "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	must[*iam.AttachRolePolicyOutput](t)(f.iam.AttachRolePolicy(testCtx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)}))
	must[*iam.PutRolePolicyOutput](t)(f.iam.PutRolePolicy(testCtx(t), &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(ec2TrustPolicy)}))
	deleteRole := func() error {
		_, err := f.iam.DeleteRole(testCtx(t), &iam.DeleteRoleInput{RoleName: aws.String("app")})
		return err
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"remove the role from its instance profile", func() error {
			_, err := f.iam.RemoveRoleFromInstanceProfile(testCtx(t), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("app"), RoleName: aws.String("app")})
			return err
		}},
		{"delete the instance profile", func() error {
			_, err := f.iam.DeleteInstanceProfile(testCtx(t), &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("app")})
			return err
		}},
		{"detach the managed policy", func() error {
			_, err := f.iam.DetachRolePolicy(testCtx(t), &iam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)})
			return err
		}},
		{"delete the inline policy", func() error {
			_, err := f.iam.DeleteRolePolicy(testCtx(t), &iam.DeleteRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("inline")})
			return err
		}},
	}
	// A profile that still holds its role cannot be deleted either.
	_, err := f.iam.DeleteInstanceProfile(testCtx(t), &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("app")})
	wantCode(t, err, "DeleteConflict")
	for _, s := range steps {
		if s.name != "delete the instance profile" {
			wantCode(t, deleteRole(), "DeleteConflict")
		}
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if err := deleteRole(); err != nil {
		t.Fatalf("DeleteRole after the teardown: %v", err)
	}
	wantCode(t, deleteRole(), "NoSuchEntity")
	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory after teardown = %+v", inv)
	}
}
