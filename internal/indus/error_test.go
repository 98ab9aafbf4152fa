package indus

import (
	"errors"
	"fmt"
	"testing"
)

func TestMessageInPicksTheLanguage(t *testing.T) {
	both := Errorf(EInvalid, "a unit official needs at least one unit").Zh("区县用户至少需要选择一个区县")
	onlyEn := Errorf(ENotFound, "no such run")
	for _, c := range []struct {
		err        error
		lang, want string
	}{
		{both, "zh-CN", "区县用户至少需要选择一个区县"},
		{both, "en", "a unit official needs at least one unit"},
		{fmt.Errorf("wrapped: %w", both), "zh-CN", "区县用户至少需要选择一个区县"},
		{onlyEn, "zh-CN", "no such run"},
		{errors.New("disk on fire"), "zh-CN", "内部错误"},
		{errors.New("disk on fire"), "en", "internal error"},
	} {
		if got := MessageIn(c.err, c.lang); got != c.want {
			t.Errorf("MessageIn(%v, %s) = %q, want %q", c.err, c.lang, got, c.want)
		}
	}
}
