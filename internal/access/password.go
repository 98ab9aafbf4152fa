// Package access is the service that signs users in and says who is
// acting: accounts, password hashing, sessions, API tokens, lockout, and
// the audit log's writer. The command line and the server both use it; the
// rules for what a role may see live in the domain (indus.Role,
// indus.Scope) and are enforced by the store's queries.
package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters, tuned so one hash takes about 100 ms on the 2-core
// machines Indus is built on (BENCHMARKS.md: BenchmarkHashPassword):
// 64 MiB, 3 passes, 2 lanes. RFC 9106 §4 recommends argon2id with 64 MiB
// when 2 GiB is too much. Stored with the hash, so they can change later
// without invalidating existing passwords.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC hash. A malformed
// hash never matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 64 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when a login names no existing user, so the answer
// takes as long as for a real one and does not reveal who exists.
// Built on first use, not at start-up: every CLI command would pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("no such user: the timing must match a real check")
	if err != nil {
		panic(err)
	}
	return h
})

// randomString returns n random bytes, URL-safe base64 encoded.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("access: the system random source failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// digest is the SHA-256 of a high-entropy secret (session id, token), as
// stored: a fast digest suffices because the secret cannot be guessed.
func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// GeneratePassword returns a random password for demo and first-run
// accounts: 16 characters from an alphabet without look-alikes.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("access: the system random source failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// digestEqual compares two hex digests in constant time.
func digestEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SessionKey is a stable, non-secret name for a session cookie (a prefix of
// its digest), for keeping per-session caches without holding the cookie.
func SessionKey(cookie string) string { return digest(cookie)[:24] }
