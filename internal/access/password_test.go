package access

import (
	"strings"
	"testing"
)

func TestHashAndCheckPassword(t *testing.T) {
	h, err := HashPassword("a long password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash format: %s", h)
	}
	if !CheckPassword(h, "a long password") || CheckPassword(h, "a long passworD") || CheckPassword(h, "") {
		t.Fatal("check")
	}
	h2, _ := HashPassword("a long password")
	if h2 == h {
		t.Fatal("the salt does not change")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", "$argon2id$v=19$m=0,t=3,p=2$c2FsdA$aGFzaA", "$argon2id$v=19$m=65536,t=3,p=2$!!$aGFzaA"} {
		if CheckPassword(bad, "x") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
}

// BenchmarkHashPassword: one argon2id hash with Indus's parameters
// (target about 100 ms on the 2-core machines).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}
