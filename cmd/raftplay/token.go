package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/raftplay/raftplay/node"
)

// Where a cluster token comes from. A token on the command line is visible to every
// user of the machine (ps), so a file or the environment is the better place for it.
const (
	// tokenEnv names the environment variable that holds the cluster token.
	tokenEnv = "RAFTPLAY_TOKEN"
	// clusterTokenName is the file, in cluster's --data directory, holding the token
	// that cluster generated (mode 0600).
	clusterTokenName = "token"
)

// defaultClusterTokenFile is where "raftplay cluster" with its default --data keeps
// its token; the client commands read it when given no token, so that the commands
// cluster suggests work as printed from the same directory.
var defaultClusterTokenFile = filepath.Join("raftplay-data", "cluster", clusterTokenName)

// tokenFlagHelp and tokenFileFlagHelp are the help texts of --token and --token-file.
const (
	tokenFlagHelp     = "cluster token (visible in ps; prefer --token-file or $" + tokenEnv + ")"
	tokenFileFlagHelp = "file holding the cluster token"
)

// nodeToken is the token a node runs with: --token, else --token-file, else
// $RAFTPLAY_TOKEN, else none.
func nodeToken(flag, file string) (string, error) {
	switch {
	case flag != "" && file != "":
		return "", errors.New("give --token or --token-file, not both")
	case flag != "":
		return flag, checkTokenBytes(flag, "--token")
	case file != "":
		return readTokenFile(file)
	}
	token := os.Getenv(tokenEnv)
	return token, checkTokenBytes(token, "$"+tokenEnv)
}

// checkTokenBytes refuses a token that cannot travel in an Authorization header: a
// control byte there makes every client request fail in net/http, long after the
// node started with it. where says where the token came from.
func checkTokenBytes(token, where string) error {
	for i := 0; i < len(token); i++ {
		if c := token[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("the token in %s holds the control byte 0x%02x at offset %d: a token is text that fits in an HTTP header (letters, digits, punctuation)", where, c, i)
		}
	}
	return nil
}

// clientToken is the token a client command sends: as nodeToken, and when none is
// given, the token of a default "raftplay cluster" run from this directory, if any.
func clientToken(flag, file string) (string, error) {
	token, err := nodeToken(flag, file)
	if err != nil || token != "" || flag != "" || file != "" {
		return token, err
	}
	if _, err := os.Stat(defaultClusterTokenFile); err == nil {
		return readTokenFile(defaultClusterTokenFile)
	}
	return "", nil
}

// readTokenFile reads a token from path; surrounding white space (a final newline) is
// not part of it.
func readTokenFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the cluster token: %w", err)
	}
	token := strings.TrimSpace(string(data))
	switch {
	case token == "":
		return "", fmt.Errorf("the token file %s is empty", path)
	case len(token) > node.MaxTokenLen:
		return "", fmt.Errorf("the token in %s is %d bytes, the limit is %d", path, len(token), node.MaxTokenLen)
	case strings.ContainsAny(token, "\r\n"):
		return "", fmt.Errorf("the token file %s holds more than one line", path)
	}
	return token, checkTokenBytes(token, path)
}

// ensureClusterToken returns the token file of a cluster in dataDir, creating it with
// a fresh random token (32 bytes, hex, mode 0600) when it does not exist yet, and
// whether it was created.
func ensureClusterToken(dataDir string) (path string, created bool, err error) {
	path = filepath.Join(dataDir, clusterTokenName)
	if _, err := readTokenFile(path); err == nil {
		return path, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("%w; delete it to have a new token generated", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", false, fmt.Errorf("create %s: %w", dataDir, err)
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:]) // crypto/rand does not fail on supported platforms
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("create the cluster token file: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(secret[:]) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", false, fmt.Errorf("write the cluster token file %s: %w", path, werr)
	}
	return path, true, nil
}
