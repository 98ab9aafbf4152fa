package indus

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a domain error; the server maps each code to one HTTP
// status in one place and the CLI to one exit message.
type ErrorCode string

// The error codes every layer uses.
const (
	EInvalid   ErrorCode = "invalid"
	ENotFound  ErrorCode = "not_found"
	EConflict  ErrorCode = "conflict"
	EForbidden ErrorCode = "forbidden"
	// EUnauthenticated: the caller has not signed in (or the session or
	// token is no longer valid).
	EUnauthenticated ErrorCode = "unauthenticated"
	EInternal        ErrorCode = "internal"
)

// Error is an error meant for the user: Message is safe to show as is.
// MessageZh, when set, says the same in Chinese for the dashboard.
type Error struct {
	Code      ErrorCode
	Message   string
	MessageZh string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds a domain error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Zh adds the Chinese wording of the message and returns the error.
func (e *Error) Zh(format string, args ...any) *Error {
	e.MessageZh = fmt.Sprintf(format, args...)
	return e
}

// Code returns the code of the first domain error in err's chain, EInternal
// for any other non-nil error and "" for nil.
func Code(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Message returns the user-facing message of the first domain error in err's
// chain, or a generic text for internal errors, which must not leak details.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// MessageIn is Message in a dashboard language ("zh-CN" or "en"): the
// Chinese wording when the error has one, else the English.
func MessageIn(err error, lang string) string {
	var e *Error
	if errors.As(err, &e) && lang != "en" && e.MessageZh != "" {
		return e.MessageZh
	}
	if lang != "en" && Code(err) == EInternal {
		return "内部错误"
	}
	return Message(err)
}
