package main

import (
	"bytes"
	"os"
	"testing"
)

// TestTableMatchesSDK: regions_gen.go is what regiongen makes from the
// SDK in go.mod; after an SDK upgrade, run `go generate ./planner/`.
func TestTableMatchesSDK(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../regions_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("planner/regions_gen.go is not the SDK's table; run `go generate ./planner/`\n--- have ---\n%s\n--- SDK ---\n%s", got, want)
	}
	for _, r := range []string{"cn-hangzhou", "cn-beijing", "cn-shanghai", "cn-shenzhen", "ap-southeast-1", "cn-chengdu", "eu-central-1"} {
		if !bytes.Contains(want, []byte("\""+r+"\"")) {
			t.Errorf("the table lacks %s", r)
		}
	}
}
