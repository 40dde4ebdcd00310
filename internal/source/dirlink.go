package source

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// linkGuard decides which symbolic links in a watched folder are followed:
// all of them (follow), or only those owned by the owner of the socket they
// lead to. A refused link is said once, until it changes.
type linkGuard struct {
	follow bool
	said   map[string]linkID // path → the refused link last said
}

// linkID tells one link (and what it leads to) from the next at a path.
type linkID struct {
	ino                  uint64
	linkOwner, sockOwner uint32
}

// errSaid is a refusal already reported: skip the link, say nothing.
var errSaid = errors.New("said before")

// check returns nil for a socket, or a link it may follow; else why not
// (once per link; errSaid after that).
func (g *linkGuard) check(e os.DirEntry, path string) error {
	if e.Type()&os.ModeSymlink == 0 || g.follow {
		return nil
	}
	var link, sock syscall.Stat_t
	if syscall.Lstat(path, &link) != nil || syscall.Stat(path, &sock) != nil {
		return errSaid // gone in between: the next poll looks again
	}
	if link.Uid == sock.Uid {
		delete(g.said, path)
		return nil
	}
	id := linkID{uint64(link.Ino), link.Uid, sock.Uid}
	if g.said[path] == id {
		return errSaid
	}
	g.said[path] = id
	return fmt.Errorf("a symbolic link owned by uid %d to a socket owned by uid %d: not followed (a link another user planted could expose a monitor they cannot open; --dir-follow-symlinks follows it)", link.Uid, sock.Uid)
}
