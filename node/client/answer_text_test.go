package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answering is a server that answers every request with status, content type and body.
func answering(t *testing.T, status int, contentType, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// An answer that is not a node's reads cleanly whatever its body: a 404 with an empty
// body read "answered 404 Not Found: ;" once kv added its hint, an HTML page came out
// whole, and a status with an empty body said "unexpected end of JSON input".
func TestErrorOfAnAnswerThatIsNotANodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	page := "<!DOCTYPE html>\n<html><head><title>Not here</title></head><body>" + strings.Repeat("<p>words</p>\n", 500) + "</body></html>"
	tests := []struct {
		name, contentType, body, want string
	}{
		{"empty", "", "", " answered 404 Not Found with an empty body"},
		{"blank", "text/plain", " \n", " answered 404 Not Found with an empty body"},
		{"text", "text/plain", "404 page not found\n", " answered 404 Not Found: 404 page not found"},
		{"html", "text/html", page, ` answered 404 Not Found with an HTML page titled "Not here"`},
		{"html without a title", "text/html; charset=utf-8", "<html><body>no</body></html>", " answered 404 Not Found with an HTML page"},
		{"json of something else", "application/json", `{"message":"nope"}`, ` answered 404 Not Found: {"message":"nope"}`},
		{"long text", "text/plain", strings.Repeat("x", 500) + "\nmore", " answered 404 Not Found: " + strings.Repeat("x", 200) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := answering(t, http.StatusNotFound, tt.contentType, tt.body)
			cl, err := New([]string{url}, Options{})
			require.NoError(t, err)
			_, err = cl.Put(ctx, "k", "v")
			require.Error(t, err)
			assert.Equal(t, url+tt.want, err.Error())
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, strings.TrimPrefix(tt.want, " answered 404 Not Found"), apiErr.Reason())
		})
	}
}

func TestStatusWithABodyThatIsNotAStatus(t *testing.T) {
	ctx := context.Background()
	url := answering(t, http.StatusOK, "", "")
	cl, err := New([]string{url}, Options{})
	require.NoError(t, err)
	_, err = cl.Status(ctx)
	require.Error(t, err)
	assert.Equal(t, url+"/status answered 200 OK with an empty body, not a node's status", err.Error())

	url = answering(t, http.StatusOK, "text/html", "<html><title>Welcome</title></html>")
	cl, err = New([]string{url}, Options{})
	require.NoError(t, err)
	_, err = cl.Status(ctx)
	require.Error(t, err)
	assert.Equal(t, url+`/status answered 200 OK with an HTML page titled "Welcome", not a node's status`, err.Error())

	url = answering(t, http.StatusOK, "application/json", `{"term":"x"}`)
	cl, err = New([]string{url}, Options{})
	require.NoError(t, err)
	_, err = cl.Status(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), url+"/status answered 200 OK with a body that is not a node's status: json: ")
}
