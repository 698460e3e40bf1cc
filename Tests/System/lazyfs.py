#!/usr/bin/python3
"""A FUSE file system that forgets what was not flushed, to simulate power loss (after LazyFS).

Usage: lazyfs.py MOUNTPOINT --control SOCKET [--image FILE]

Everything lives in memory. Each file has a *durable* content (what a disk would hold) and a
*current* content (what the page cache shows); every write changes the current content only and
marks its 4 KiB pages dirty, and `fsync`/`fdatasync` on the file copies its dirty pages and its size
into the durable content. Directory entries (create, mkdir, rename, unlink, rmdir) work the same
way, per directory: they become durable when that directory is flushed (`fsync` of a descriptor
opened on it). That is POSIX's rule and stricter than ext4, where a file's `fsync` usually carries
its new name along in the journal, and stricter than LazyFS, which passes metadata through to a real
file system at once. Attributes (mode, owner, times) are not modelled: they are always "durable".

Writes reach the file system synchronously (FUSE's writeback cache is off), so the kernel holds no
dirty data of its own except pages of shared memory mappings (SQLite's -shm), which it writes back
when it likes and flushes before passing on an `fsync`.

Commands, one line each on the unix socket SOCKET, answered with one line of JSON:

  sync                   make everything durable (after setting a test up)
  cut lose SEED          power cut: from now on every operation fails with EIO (the disk is gone),
                         and the state reverts to the durable one: every unflushed write, size change
                         and directory change is lost (LazyFS's clear-cache)
  cut writeback SEED     power cut after the page cache had written back part of the dirty data on
                         its own: each dirty page independently reaches the disk with its current
                         content or not (probability 1/2, from SEED), each file's new size likewise,
                         and each directory keeps all or none of its unflushed entry changes; then as
                         `cut lose`; with --image, the durable state is saved to FILE at once (the
                         state cannot change after a cut, so a driver may kill a process that does
                         not answer `unmount` and mount that image)
  stats                  counters (flushes, bytes lost in the last cut, ...)
  unmount                unmount and exit (without a cut before, everything is flushed first, as
                         at a clean shutdown); with --image, the durable state is saved to FILE

With --image FILE the durable state is loaded from FILE when it exists, so that a new process
mounts what the previous one left on "disk": the kernel's page cache is gone with the old mount, as
after a reboot. Needs root (or fusermount3) and Debian's python3-pyfuse3.
"""
import argparse
import errno
import json
import os
import pickle
import random
import stat
import sys
import time

import pyfuse3
import trio

PAGE = 4096


class Node:
    __slots__ = ("ino", "mode", "uid", "gid", "atime", "mtime", "ctime", "nlink", "parent",
                 "data", "durable", "dirty", "entries", "durable_entries")

    def __init__(self, ino, mode, uid=0, gid=0):
        self.ino = ino
        self.mode = mode
        self.uid, self.gid = uid, gid
        self.atime = self.mtime = self.ctime = time.time_ns()
        self.nlink = 0
        self.parent = None
        if stat.S_ISDIR(mode):
            self.entries, self.durable_entries = {}, {}
            self.data = self.durable = self.dirty = None
        else:
            self.data, self.durable, self.dirty = bytearray(), bytearray(), set()
            self.entries = self.durable_entries = None

    @property
    def is_dir(self):
        return stat.S_ISDIR(self.mode)

    def mark(self, start, end):
        """Marks the pages holding bytes start..end-1 dirty."""
        if end > start:
            self.dirty.update(range(start // PAGE, (end - 1) // PAGE + 1))

    def resize(self, size):
        old = len(self.data)
        if size < old:
            del self.data[size:]
        elif size > old:
            self.data.extend(bytes(size - old))
        self.mark(min(old, size), max(old, size))

    def write(self, offset, buf):
        if offset > len(self.data):
            self.resize(offset)
        self.data[offset:offset + len(buf)] = buf
        self.mark(offset, offset + len(buf))

    def persist(self, pages=None, size=None):
        """Copies dirty pages (all, or those in `pages`) and the size (current, or `size`) to the
        durable content."""
        durable, data = self.durable, self.data
        size = len(data) if size is None else size
        if len(durable) > size:
            del durable[size:]
        elif len(durable) < size:
            durable.extend(bytes(size - len(durable)))
        for page in (self.dirty if pages is None else pages):
            start = page * PAGE
            end = min(start + PAGE, len(data), len(durable))
            if end > start:
                durable[start:end] = data[start:end]
        if pages is None and size == len(data):
            self.dirty.clear()


class LazyFS(pyfuse3.Operations):
    def __init__(self, image=None):
        super().__init__()
        self.nodes = {}
        self.handles = {}
        self.next_fh = 1
        self.fenced = False
        self.counters = {"fsync": 0, "fsyncdir": 0, "writes": 0, "bytes_written": 0}
        self.last_cut = None
        if image and os.path.exists(image):
            self.load(image)
        else:
            root = Node(pyfuse3.ROOT_INODE, stat.S_IFDIR | 0o755)
            root.nlink = 2
            root.parent = root.ino
            self.nodes[root.ino] = root
            self.next_ino = pyfuse3.ROOT_INODE + 1

    # The durable image, for the next mount.

    def save(self, path):
        state = {"next_ino": self.next_ino, "nodes": {}}
        for ino in self.reachable():
            node = self.nodes[ino]
            state["nodes"][ino] = (node.mode, node.uid, node.gid, node.mtime,
                                   dict(node.durable_entries) if node.is_dir else bytes(node.durable))
        with open(path + ".tmp", "wb") as file:
            pickle.dump(state, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(path + ".tmp", path)

    def load(self, path):
        with open(path, "rb") as file:
            state = pickle.load(file)
        self.next_ino = state["next_ino"]
        for ino, (mode, uid, gid, mtime, content) in state["nodes"].items():
            node = Node(ino, mode, uid, gid)
            node.atime = node.mtime = node.ctime = mtime
            if node.is_dir:
                node.entries, node.durable_entries = dict(content), dict(content)
            else:
                node.data, node.durable = bytearray(content), bytearray(content)
            self.nodes[ino] = node
        self.nodes[pyfuse3.ROOT_INODE].parent = pyfuse3.ROOT_INODE
        self.relink()

    def reachable(self):
        """Inodes reachable from the root through durable directory entries."""
        seen, todo = set(), [pyfuse3.ROOT_INODE]
        while todo:
            ino = todo.pop()
            if ino in seen or ino not in self.nodes:
                continue
            seen.add(ino)
            node = self.nodes[ino]
            if node.is_dir:
                todo.extend(node.durable_entries.values())
        return seen

    def relink(self):
        """Recomputes link counts and parents from the current entries."""
        for node in self.nodes.values():
            node.nlink = 2 if node.is_dir else 0
        for node in self.nodes.values():
            if node.is_dir:
                for child in node.entries.values():
                    if child in self.nodes:
                        child_node = self.nodes[child]
                        if child_node.is_dir:
                            child_node.parent = node.ino
                            node.nlink += 1
                        else:
                            child_node.nlink += 1

    # Control commands.

    def sync_all(self):
        for node in self.nodes.values():
            if node.is_dir:
                node.durable_entries = dict(node.entries)
            else:
                node.persist()

    def cut(self, mode, seed):
        """Power cut: fence, optionally write back a random part of the dirty state, then revert
        to the durable state. Returns what was lost, per file (path from the mount point)."""
        self.fenced = True
        rng = random.Random(seed)
        paths = self.paths()
        files, lost_dirs = {}, []
        for ino in sorted(self.nodes):
            node = self.nodes[ino]
            if node.is_dir:
                if node.entries != node.durable_entries:
                    if mode == "writeback" and rng.random() < 0.5:
                        node.durable_entries = dict(node.entries)
                    else:
                        lost_dirs.append(paths.get(ino, f"(unlinked {ino})"))
            elif node.dirty or len(node.data) != len(node.durable):
                kept = []
                if mode == "writeback":
                    kept = [page for page in sorted(node.dirty) if rng.random() < 0.5]
                    node.persist(kept, len(node.data) if rng.random() < 0.5 else len(node.durable))
                files[paths.get(ino, f"(unlinked {ino})")] = {"dirty_pages_lost": len(node.dirty) - len(kept),
                                                              "dirty_pages_written_back": len(kept)}
        keep = self.reachable()
        for ino in list(self.nodes):
            if ino not in keep:
                del self.nodes[ino]
                continue
            node = self.nodes[ino]
            if node.is_dir:
                node.entries = dict(node.durable_entries)
            else:
                node.data = bytearray(node.durable)
                node.dirty.clear()
        self.relink()
        self.last_cut = {"mode": mode, "files": files, "directories_with_entries_lost": lost_dirs,
                         "dirty_pages_lost": sum(f["dirty_pages_lost"] for f in files.values()),
                         "dirty_pages_written_back": sum(f["dirty_pages_written_back"] for f in files.values())}
        return self.last_cut

    def paths(self):
        """Path of every inode reachable through the current entries."""
        paths, todo = {pyfuse3.ROOT_INODE: ""}, [pyfuse3.ROOT_INODE]
        while todo:
            directory = self.nodes[todo.pop()]
            for name, child in directory.entries.items():
                if child in self.nodes and child not in paths:
                    paths[child] = f"{paths[directory.ino]}/{name.decode(errors='replace')}"
                    if self.nodes[child].is_dir:
                        todo.append(child)
        return paths

    # Helpers.

    def check(self):
        if self.fenced:
            raise pyfuse3.FUSEError(errno.EIO)

    def node(self, ino):
        try:
            return self.nodes[ino]
        except KeyError:
            raise pyfuse3.FUSEError(errno.ENOENT)

    def directory(self, ino):
        node = self.node(ino)
        if not node.is_dir:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return node

    def attributes(self, node):
        entry = pyfuse3.EntryAttributes()
        entry.st_ino = node.ino
        entry.generation = 0
        entry.entry_timeout = 1
        entry.attr_timeout = 1
        entry.st_mode = node.mode
        entry.st_nlink = node.nlink
        entry.st_uid, entry.st_gid = node.uid, node.gid
        entry.st_rdev = 0
        entry.st_size = 4096 if node.is_dir else len(node.data)
        entry.st_blksize = PAGE
        entry.st_blocks = (entry.st_size + 511) // 512
        entry.st_atime_ns, entry.st_mtime_ns, entry.st_ctime_ns = node.atime, node.mtime, node.ctime
        return entry

    def new_node(self, parent, name, mode, ctx):
        directory = self.directory(parent)
        if name in directory.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        node = Node(self.next_ino, mode, ctx.uid, ctx.gid)
        self.next_ino += 1
        self.nodes[node.ino] = node
        directory.entries[name] = node.ino
        directory.mtime = directory.ctime = time.time_ns()
        if node.is_dir:
            node.nlink = 2
            node.parent = parent
            directory.nlink += 1
        else:
            node.nlink = 1
        return node

    def open_handle(self, ino):
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = ino
        return fh

    def handle(self, fh):
        try:
            return self.nodes[self.handles[fh]]
        except KeyError:
            raise pyfuse3.FUSEError(errno.EBADF)

    # File system operations.

    async def statfs(self, ctx):
        self.check()
        data = pyfuse3.StatvfsData()
        data.f_bsize = data.f_frsize = PAGE
        data.f_blocks = data.f_bfree = data.f_bavail = 1 << 22
        data.f_files = data.f_ffree = data.f_favail = 1 << 20
        data.f_namemax = 255
        return data

    async def lookup(self, parent_inode, name, ctx):
        self.check()
        directory = self.directory(parent_inode)
        if name == b".":
            return self.attributes(directory)
        if name == b"..":
            return self.attributes(self.node(directory.parent))
        if name not in directory.entries:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self.attributes(self.node(directory.entries[name]))

    async def getattr(self, inode, ctx):
        self.check()
        return self.attributes(self.node(inode))

    async def setattr(self, inode, attr, fields, fh, ctx):
        self.check()
        node = self.node(inode)
        now = time.time_ns()
        if fields.update_size:
            if node.is_dir:
                raise pyfuse3.FUSEError(errno.EISDIR)
            node.resize(attr.st_size)
            node.mtime = now
        if fields.update_mode:
            node.mode = stat.S_IFMT(node.mode) | stat.S_IMODE(attr.st_mode)
        if fields.update_uid:
            node.uid = attr.st_uid
        if fields.update_gid:
            node.gid = attr.st_gid
        if fields.update_atime:
            node.atime = attr.st_atime_ns
        if fields.update_mtime:
            node.mtime = attr.st_mtime_ns
        node.ctime = attr.st_ctime_ns if fields.update_ctime else now
        return self.attributes(node)

    async def access(self, inode, mode, ctx):
        self.check()
        return True

    async def mkdir(self, parent_inode, name, mode, ctx):
        self.check()
        return self.attributes(self.new_node(parent_inode, name, stat.S_IFDIR | stat.S_IMODE(mode), ctx))

    async def create(self, parent_inode, name, mode, flags, ctx):
        self.check()
        directory = self.directory(parent_inode)
        if name in directory.entries:
            if flags & os.O_EXCL:
                raise pyfuse3.FUSEError(errno.EEXIST)
            node = self.node(directory.entries[name])
            if flags & os.O_TRUNC:
                node.resize(0)
        else:
            node = self.new_node(parent_inode, name, stat.S_IFREG | stat.S_IMODE(mode), ctx)
        return pyfuse3.FileInfo(fh=self.open_handle(node.ino), keep_cache=True), self.attributes(node)

    async def open(self, inode, flags, ctx):
        self.check()
        node = self.node(inode)
        if node.is_dir:
            raise pyfuse3.FUSEError(errno.EISDIR)
        if flags & os.O_TRUNC:
            node.resize(0)
            node.mtime = node.ctime = time.time_ns()
        return pyfuse3.FileInfo(fh=self.open_handle(inode), keep_cache=True)

    async def read(self, fh, off, size):
        self.check()
        return bytes(self.handle(fh).data[off:off + size])

    async def write(self, fh, off, buf):
        self.check()
        node = self.handle(fh)
        node.write(off, buf)
        node.mtime = node.ctime = time.time_ns()
        self.counters["writes"] += 1
        self.counters["bytes_written"] += len(buf)
        return len(buf)

    async def flush(self, fh):
        self.check()

    async def release(self, fh):
        self.handles.pop(fh, None)

    async def fsync(self, fh, datasync):
        self.check()
        self.handle(fh).persist()
        self.counters["fsync"] += 1

    async def opendir(self, inode, ctx):
        self.check()
        self.directory(inode)
        return self.open_handle(inode)

    async def readdir(self, fh, start_id, token):
        self.check()
        directory = self.handle(fh)
        names = sorted(directory.entries)
        for index in range(start_id, len(names)):
            child = self.nodes.get(directory.entries[names[index]])
            if child is not None and not pyfuse3.readdir_reply(token, names[index], self.attributes(child), index + 1):
                break

    async def releasedir(self, fh):
        self.handles.pop(fh, None)

    async def fsyncdir(self, fh, datasync):
        self.check()
        directory = self.handle(fh)
        directory.durable_entries = dict(directory.entries)
        self.counters["fsyncdir"] += 1

    async def unlink(self, parent_inode, name, ctx):
        self.check()
        directory = self.directory(parent_inode)
        if name not in directory.entries:
            raise pyfuse3.FUSEError(errno.ENOENT)
        node = self.node(directory.entries[name])
        if node.is_dir:
            raise pyfuse3.FUSEError(errno.EISDIR)
        del directory.entries[name]
        node.nlink -= 1
        directory.mtime = directory.ctime = node.ctime = time.time_ns()

    async def rmdir(self, parent_inode, name, ctx):
        self.check()
        directory = self.directory(parent_inode)
        if name not in directory.entries:
            raise pyfuse3.FUSEError(errno.ENOENT)
        node = self.node(directory.entries[name])
        if not node.is_dir:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        if node.entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        del directory.entries[name]
        node.nlink = 0
        directory.nlink -= 1
        directory.mtime = directory.ctime = time.time_ns()

    async def rename(self, parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx):
        self.check()
        if flags & pyfuse3.RENAME_EXCHANGE:
            raise pyfuse3.FUSEError(errno.EINVAL)
        old, new = self.directory(parent_inode_old), self.directory(parent_inode_new)
        if name_old not in old.entries:
            raise pyfuse3.FUSEError(errno.ENOENT)
        moving = self.node(old.entries[name_old])
        if name_new in new.entries:
            if flags & pyfuse3.RENAME_NOREPLACE:
                raise pyfuse3.FUSEError(errno.EEXIST)
            replaced = self.node(new.entries[name_new])
            if replaced.ino == moving.ino:
                return
            if replaced.is_dir:
                if not moving.is_dir:
                    raise pyfuse3.FUSEError(errno.EISDIR)
                if replaced.entries:
                    raise pyfuse3.FUSEError(errno.ENOTEMPTY)
                new.nlink -= 1
            elif moving.is_dir:
                raise pyfuse3.FUSEError(errno.ENOTDIR)
            replaced.nlink = 0 if replaced.is_dir else replaced.nlink - 1
        del old.entries[name_old]
        new.entries[name_new] = moving.ino
        if moving.is_dir and old is not new:
            old.nlink -= 1
            new.nlink += 1
            moving.parent = new.ino
        now = time.time_ns()
        old.mtime = old.ctime = new.mtime = new.ctime = moving.ctime = now

    async def link(self, inode, new_parent_inode, new_name, ctx):
        raise pyfuse3.FUSEError(errno.EPERM)

    async def symlink(self, parent_inode, name, target, ctx):
        raise pyfuse3.FUSEError(errno.EPERM)

    async def getxattr(self, inode, name, ctx):
        self.check()
        raise pyfuse3.FUSEError(pyfuse3.ENOATTR)

    async def listxattr(self, inode, ctx):
        self.check()
        return []

    async def setxattr(self, inode, name, value, ctx):
        raise pyfuse3.FUSEError(errno.ENOTSUP)

    async def removexattr(self, inode, name, ctx):
        raise pyfuse3.FUSEError(pyfuse3.ENOATTR)


async def control(fs, path, done, image):
    """Serves the control socket until an `unmount` command."""
    if os.path.exists(path):
        os.unlink(path)
    listener = trio.socket.socket(trio.socket.AF_UNIX, trio.socket.SOCK_STREAM)
    await listener.bind(path)
    listener.listen(8)
    while True:
        connection, _ = await listener.accept()
        with connection:
            request = b""
            while not request.endswith(b"\n"):
                chunk = await connection.recv(4096)
                if not chunk:
                    break
                request += chunk
            words = request.decode().split()
            reply = {"ok": True}
            try:
                if words[:1] == ["sync"]:
                    fs.sync_all()
                elif words[:1] == ["cut"] and len(words) == 3 and words[1] in ("lose", "writeback"):
                    reply.update(fs.cut(words[1], int(words[2])))
                    if image:
                        fs.save(image)
                elif words[:1] == ["stats"]:
                    reply.update(fs.counters, files=sum(not n.is_dir for n in fs.nodes.values()), fenced=fs.fenced,
                                 last_cut=fs.last_cut)
                elif words[:1] == ["unmount"]:
                    if not fs.fenced:
                        fs.sync_all()  # a clean unmount flushes everything
                    done.set()
                else:
                    reply = {"ok": False, "error": f"unknown command {words!r}"}
            except Exception as error:  # reported to the driver, which fails the test
                reply = {"ok": False, "error": repr(error)}
            data = (json.dumps(reply) + "\n").encode()
            while data:
                data = data[await connection.send(data):]
        if done.is_set():
            listener.close()
            os.unlink(path)
            pyfuse3.terminate()
            return


async def serve(fs, socket_path, image):
    done = trio.Event()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(control, fs, socket_path, done, image)
        await pyfuse3.main(min_tasks=2, max_tasks=16)
        nursery.cancel_scope.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mountpoint")
    parser.add_argument("--control", required=True, help="unix socket for commands")
    parser.add_argument("--image", help="durable state: loaded at start if present, saved at unmount")
    args = parser.parse_args()
    fs = LazyFS(args.image)
    options = set(pyfuse3.default_options) - {"default_permissions"}
    options |= {"fsname=lazyfs", "subtype=lazyfs"}
    pyfuse3.init(fs, args.mountpoint, options)
    try:
        trio.run(serve, fs, args.control, args.image)
    finally:
        pyfuse3.close(unmount=True)
    if args.image:
        fs.save(args.image)


if __name__ == "__main__":
    sys.exit(main())
