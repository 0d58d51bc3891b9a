package kamp

import (
	"errors"
	"fmt"
)

// Application error codes. Every error that reaches a person or an API client
// carries one of these; anything else is reported as EINTERNAL and its details
// are logged, never shown.
const (
	EINVALID      = "EINVALID"      // the input is wrong; the message says how
	ENOTFOUND     = "ENOTFOUND"     // no such record (or not visible to the caller)
	ECONFLICT     = "ECONFLICT"     // the record exists or changed meanwhile
	EFORBIDDEN    = "EFORBIDDEN"    // the caller may not do this
	EUNAUTHORIZED = "EUNAUTHORIZED" // no valid credentials
	EINTERNAL     = "EINTERNAL"     // a fault of kamp or its database
)

// Error is kamp's one application error type. Message is safe to show to a
// person; Err, when set, is the underlying cause for logs only.
type Error struct {
	Code    string
	Message string
	Details []string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an application error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an application error with code and message that keeps err
// as its cause.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first application error in err's chain,
// EINTERNAL for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the person-readable message of the first application
// error in err's chain, or a generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
