package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// errCrashed is what every operation of a crashed faultFS returns.
var errCrashed = errors.New("faultfs: the machine crashed")

// faultFS is an in-memory fileSystem that models what a power failure keeps. It holds
// one directory (paths are keyed whole).
//
// Each file has the contents the running system sees and the contents that survive a
// crash; Sync makes the first the second. Names are the same: creating, renaming and
// removing change the running system's names at once, and SyncDir makes them durable.
// A crash (injected before the crashAt-th write, sync, truncate, create, rename or
// remove) keeps only durable names, and of each file its durable bytes plus a random
// prefix of the bytes written since its last sync, sometimes followed by garbage, as a
// write torn by a power cut leaves it.
type faultFS struct {
	rng     *rand.Rand
	files   map[string]*inode // names the running system sees
	durable map[string]*inode // names as of the last SyncDir
	ops     int               // operations so far that change something
	crashAt int               // crash at this operation (0: never)
	crashed bool
	// violations records writes that changed bytes already synced: the store must
	// never do that, since a crash could then mix old and new contents.
	violations []string
}

type inode struct {
	data      []byte // contents as the running system sees them
	synced    []byte // contents a crash keeps
	rewritten bool   // opened with O_TRUNC since the last sync: the old synced bytes are fair game
}

func newFaultFS(seed uint64) *faultFS {
	return &faultFS{
		rng:     rand.New(rand.NewPCG(seed, 0x5eed)),
		files:   map[string]*inode{},
		durable: map[string]*inode{},
	}
}

// step counts an operation and crashes at crashAt. The crashing operation may or may
// not have reached the disk; apply runs if it did.
func (f *faultFS) step(apply func()) error {
	if f.crashed {
		return errCrashed
	}
	f.ops++
	if f.ops == f.crashAt {
		if f.rng.IntN(2) == 0 {
			apply()
		}
		f.crashed = true
		return errCrashed
	}
	apply()
	return nil
}

// restart models the machine coming back: only durable names remain, each file torn
// as described on faultFS.
func (f *faultFS) restart() {
	files := make(map[string]*inode, len(f.durable))
	for _, name := range slices.Sorted(maps.Keys(f.durable)) { // sorted: the tears depend on rng order
		data := f.tear(f.durable[name])
		files[name] = &inode{data: data, synced: slices.Clone(data)}
	}
	f.files, f.durable = files, maps.Clone(files)
	f.crashed, f.crashAt, f.ops = false, 0, 0
}

// tear returns what a crash leaves of a file.
func (f *faultFS) tear(n *inode) []byte {
	synced, data := n.synced, n.data
	p := 0
	for p < len(synced) && p < len(data) && synced[p] == data[p] {
		p++
	}
	if p == len(data) {
		if p < len(synced) && f.rng.IntN(2) == 0 {
			return slices.Clone(synced) // an unsynced truncation did not make it
		}
		return slices.Clone(data)
	}
	keep := p + f.rng.IntN(len(data)-p+1)
	out := slices.Clone(data[:keep])
	if keep < len(data) && f.rng.IntN(2) == 0 {
		garbage := make([]byte, 1+f.rng.IntN(80))
		if f.rng.IntN(2) == 0 { // else zeros, as a file extended but never written reads
			for i := range garbage {
				garbage[i] = byte(f.rng.Uint32())
			}
		}
		out = append(out, garbage...)
	}
	return out
}

func (f *faultFS) MkdirAll(string) error {
	if f.crashed {
		return errCrashed
	}
	return nil
}

func (f *faultFS) ReadDir(dir string) ([]string, error) {
	if f.crashed {
		return nil, errCrashed
	}
	var names []string
	for path := range f.files {
		if filepath.Dir(path) == filepath.Clean(dir) {
			names = append(names, filepath.Base(path))
		}
	}
	slices.Sort(names)
	return names, nil
}

func (f *faultFS) ReadFile(path string) ([]byte, error) {
	if f.crashed {
		return nil, errCrashed
	}
	n, ok := f.files[path]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return slices.Clone(n.data), nil
}

func (f *faultFS) OpenFile(path string, flag int, _ os.FileMode) (file, error) {
	if f.crashed {
		return nil, errCrashed
	}
	n, ok := f.files[path]
	switch {
	case ok && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrExist}
	case !ok && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	case !ok:
		err := f.step(func() {
			n = &inode{}
			f.files[path] = n
		})
		if err != nil {
			return nil, err
		}
	case flag&os.O_TRUNC != 0:
		if err := f.step(func() { n.data, n.rewritten = nil, true }); err != nil {
			return nil, err
		}
	}
	return &faultFile{fs: f, inode: n, path: path}, nil
}

func (f *faultFS) Rename(oldPath, newPath string) error {
	if f.crashed {
		return errCrashed
	}
	n, ok := f.files[oldPath]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldPath, Err: fs.ErrNotExist}
	}
	return f.step(func() {
		delete(f.files, oldPath)
		f.files[newPath] = n
	})
}

func (f *faultFS) Remove(path string) error {
	if f.crashed {
		return errCrashed
	}
	if _, ok := f.files[path]; !ok {
		return &fs.PathError{Op: "remove", Path: path, Err: fs.ErrNotExist}
	}
	return f.step(func() { delete(f.files, path) })
}

func (f *faultFS) SyncDir(string) error {
	return f.step(func() { f.durable = maps.Clone(f.files) })
}

// names lists the files, for test messages.
func (f *faultFS) names() string {
	return strings.Join(slices.Sorted(maps.Keys(f.files)), " ")
}

type faultFile struct {
	fs     *faultFS
	inode  *inode
	path   string
	closed bool
}

func (ff *faultFile) WriteAt(p []byte, off int64) (int, error) {
	if ff.closed {
		return 0, os.ErrClosed
	}
	n := ff.inode
	err := ff.fs.step(func() {
		if end := int(off) + len(p); end > len(n.data) {
			n.data = append(n.data, make([]byte, end-len(n.data))...)
		}
		if !n.rewritten && int(off) < len(n.synced) {
			overlap := min(len(n.synced)-int(off), len(p))
			if string(n.synced[off:int(off)+overlap]) != string(p[:overlap]) {
				ff.fs.violations = append(ff.fs.violations,
					fmt.Sprintf("%s: write at offset %d changes synced bytes (synced size %d)", ff.path, off, len(n.synced)))
			}
		}
		copy(n.data[off:], p)
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

func (ff *faultFile) Sync() error {
	if ff.closed {
		return os.ErrClosed
	}
	n := ff.inode
	return ff.fs.step(func() { n.synced, n.rewritten = slices.Clone(n.data), false })
}

func (ff *faultFile) Truncate(size int64) error {
	if ff.closed {
		return os.ErrClosed
	}
	n := ff.inode
	return ff.fs.step(func() {
		if int(size) <= len(n.data) {
			n.data = n.data[:size:size]
		} else {
			n.data = append(n.data, make([]byte, int(size)-len(n.data))...)
		}
	})
}

func (ff *faultFile) Close() error {
	if ff.closed {
		return os.ErrClosed
	}
	ff.closed = true
	return nil
}
