package share

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultDir is where `raftplay serve` keeps shared scenarios unless told otherwise.
const DefaultDir = "raftplay-data/share"

// Dir is a Store in a folder of the local disk: one file <id>.json per scenario.
//
// A Put writes a temporary file, syncs it and renames it over <id>.json, so a reader
// (or a crash) sees either no file or the whole scenario, never part of one. Ids are
// checked with CheckID before they become file names, so no id can reach outside the
// folder.
type Dir struct {
	path string
}

// NewDir returns the store in the folder path, creating it (and its parents) if needed.
func NewDir(path string) (*Dir, error) {
	if path == "" {
		return nil, errors.New("share: the folder for shared scenarios is empty")
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("share: create folder %s: %w", path, err)
	}
	return &Dir{path: path}, nil
}

// Path returns the store's folder.
func (d *Dir) Path() string { return d.path }

// file returns the file of a checked id.
func (d *Dir) file(id string) (string, error) {
	if err := CheckID(id); err != nil {
		return "", err
	}
	return filepath.Join(d.path, id+".json"), nil
}

// Put stores data under id atomically (see Dir).
func (d *Dir) Put(ctx context.Context, id string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := d.file(id)
	if err != nil {
		return err
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:]) // crypto/rand.Read never fails
	// A leading dot keeps unfinished files apart from stored ones; O_EXCL makes sure
	// no other writer's temporary file is taken over.
	tmp := filepath.Join(d.path, "."+id+"."+hex.EncodeToString(nonce[:])+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("share: store %s: %w", id, err)
	}
	if err := writeSynced(f, data); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("share: store %s: %w", id, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("share: store %s: %w", id, err)
	}
	if err := syncDir(d.path); err != nil {
		return fmt.Errorf("share: store %s: %w", id, err)
	}
	return nil
}

// writeSynced writes data to f, syncs it to disk and closes it.
func writeSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns the scenario stored under id, or an error wrapping ErrNotFound. A file
// larger than MaxBody is reported as damaged rather than read whole.
func (d *Dir) Get(ctx context.Context, id string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name, err := d.file(id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("share: read %s: %w", id, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("share: read %s: %w", id, err)
	}
	if len(data) > MaxBody {
		return nil, fmt.Errorf("share: read %s: the file %s is larger than %d bytes; it was not written by this store", id, name, MaxBody)
	}
	return data, nil
}
