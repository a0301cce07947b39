//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"syscall/js"
	"time"
)

// assetsFS is the fs.FS of the Worker's static assets, read through the ASSETS
// binding. The Worker uses it for the page at /s/{id} (index.html) and to answer paths
// that are no asset with the same 404 as `raftplay serve`. It calls the binding's
// fetch directly: going through an http.Client would link Go's whole HTTP client and
// TLS stack into the Worker, over a megabyte compressed.
type assetsFS struct {
	binding js.Value // undefined when the binding is missing
}

func newAssetsFS(binding js.Value) assetsFS { return assetsFS{binding: binding} }

// maxAsset bounds what Open reads into memory: the largest file of the page is the
// simulator, about 4 MB.
const maxAsset = 32 << 20

// Open fetches a file from the assets. The precompressed copies of dist/ (.br, .gz) are
// not uploaded, since Cloudflare compresses on its own, so they are reported missing
// without a fetch.
func (a assetsFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	data, err := a.fetch(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &memFile{Reader: bytes.NewReader(data), info: fileInfo{name: path.Base(name), size: int64(len(data))}}, nil
}

// fetch reads one asset; a missing one is fs.ErrNotExist.
func (a assetsFS) fetch(name string) ([]byte, error) {
	if a.binding.IsUndefined() || a.binding.IsNull() {
		return nil, fmt.Errorf("the Worker has no %s binding (wrangler.toml [assets])", assetsBinding)
	}
	// Cloudflare serves a folder's index.html at the folder's path and redirects the
	// full name there.
	urlPath := "/" + name
	if path.Base(name) == "index.html" {
		urlPath = strings.TrimSuffix(urlPath, "index.html")
	}
	ctx := context.Background()
	res, err := await(ctx, a.binding.Call("fetch", "https://assets.invalid"+urlPath))
	if err != nil {
		return nil, err
	}
	switch status := res.Get("status").Int(); status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, fs.ErrNotExist
	default:
		return nil, fmt.Errorf("the assets answered %d %s", status, http.StatusText(status))
	}
	if n, err := strconv.ParseInt(res.Get("headers").Call("get", "Content-Length").String(), 10, 64); err == nil && n > maxAsset {
		return nil, fmt.Errorf("%d bytes is more than the Worker reads (%d)", n, maxAsset)
	}
	buf, err := await(ctx, res.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	bytesJS := js.Global().Get("Uint8Array").New(buf)
	if n := bytesJS.Get("length").Int(); n > maxAsset {
		return nil, fmt.Errorf("%d bytes is more than the Worker reads (%d)", n, maxAsset)
	}
	data := make([]byte, bytesJS.Get("length").Int())
	js.CopyBytesToGo(data, bytesJS)
	return data, nil
}

// memFile is a fetched asset: an fs.File that can also Seek, as http.ServeContent likes.
type memFile struct {
	*bytes.Reader
	info fileInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

// fileInfo describes a fetched asset. The assets carry no modification time, so it is
// the zero time: the ETag alone validates caches.
type fileInfo struct {
	name string
	size int64
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o444 }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }
