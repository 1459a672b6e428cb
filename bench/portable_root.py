#!/usr/bin/env python3
"""Copies an asor binary, Open MPI and the Debian 12 libraries they load into a minimal root
directory, to be entered with chroot on a machine that has none of them (a lent benchmark machine
of another distribution; docs/scaling.md). Run it on the Debian 12 machine that built asor.

    python3 bench/portable_root.py build/rel/bin/asor OUT_DIR     # OUT_DIR/root, about 35 MB

Copied: the binary (as /usr/bin/asor) and the libraries `ldd` names for it (libasor from the
build tree into /usr/lib/x86_64-linux-gnu); the files of the Debian packages libopenmpi3,
openmpi-bin, openmpi-common and libpmix2 (their headers, docs and manuals left out) with every
library their programs and plugins load; /etc/openmpi, the passwd, group and hosts files; bash and
the few coreutils bench/scaling.sh uses. Symbolic links are kept as links. A stripped Release
build keeps it small (`strip -o asor.stripped build/rel/bin/asor`).
"""
import os
import shutil
import subprocess
import sys

PACKAGES = ["libopenmpi3", "openmpi-bin", "openmpi-common", "libpmix2"]
PROGRAMS = ["/usr/bin/orterun", "/usr/bin/orted", "/usr/bin/mpirun", "/usr/bin/mpiexec", "/bin/sh",
            "/usr/bin/dash", "/usr/bin/bash", "/usr/bin/env", "/usr/bin/nproc", "/usr/bin/cat",
            "/usr/bin/ls", "/usr/bin/sleep", "/usr/bin/date", "/usr/bin/grep", "/usr/bin/cut",
            "/usr/bin/basename", "/usr/bin/mkdir", "/usr/bin/timeout", "/usr/bin/tar",
            "/usr/bin/gzip", "/usr/bin/rm", "/usr/bin/cp", "/usr/bin/head", "/usr/bin/tail"]
FILES = ["/etc/passwd", "/etc/group", "/etc/hosts", "/etc/nsswitch.conf"]
CONFIG_DIRS = ["/etc/openmpi", "/etc/pmix"]


def package_files(package):
    out = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=True)
    return [p for p in out.stdout.splitlines() if os.path.isfile(p) and not any(
        part in p for part in ("/include/", "/doc/", "/man/"))]


def canonical(path):
    """The path with its directories resolved (Debian 12's merged /usr), its last name kept."""
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def libraries(path):
    """The absolute paths `ldd` gives for what \\p path loads."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True)
    found = []
    for line in out.stdout.splitlines():
        words = line.split()
        if "=>" in words:
            i = words.index("=>")
            if i + 1 < len(words) and words[i + 1].startswith("/"):
                found.append(words[i + 1])
            elif "not found" in line:
                sys.exit(f"portable_root.py: {path} needs {words[0]}, which is not installed")
        elif words and words[0].startswith("/"):
            found.append(words[0])
    return found


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


class Root:
    def __init__(self, root):
        self.root = root
        self.copied = set()

    def copy(self, path):
        path = canonical(path)
        if path in self.copied:
            return
        self.copied.add(path)
        target = self.root + path
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(path):
            link = os.readlink(path)
            if os.path.lexists(target):
                os.remove(target)
            os.symlink(link, target)
            self.copy(link if link.startswith("/") else os.path.join(os.path.dirname(path), link))
        else:
            shutil.copy2(path, target)

    def copy_with_libraries(self, paths):
        todo, seen = list(paths), set()
        while todo:
            path = todo.pop()
            if path in seen or not os.path.exists(path):
                continue
            seen.add(path)
            self.copy(path)
            real = os.path.realpath(path)
            if os.path.isfile(real) and is_elf(real):
                todo += libraries(real)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asor, out = sys.argv[1], sys.argv[2]
    if not os.access(asor, os.X_OK):
        sys.exit(f"portable_root.py: {asor}: not an executable")
    root = os.path.join(out, "root")
    if os.path.exists(root):
        shutil.rmtree(root)
    for d in ["usr/bin", "usr/sbin", "usr/lib/x86_64-linux-gnu", "usr/lib64", "etc", "tmp",
              "var/tmp", "proc", "sys", "dev", "data", "out"]:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for link, target in [("lib", "usr/lib"), ("lib64", "usr/lib64"), ("bin", "usr/bin"),
                         ("sbin", "usr/sbin")]:
        os.symlink(target, os.path.join(root, link))
    os.chmod(os.path.join(root, "tmp"), 0o1777)

    r = Root(root)
    paths = PROGRAMS + [f for f in FILES if os.path.exists(f)]
    for package in PACKAGES:
        paths += package_files(package)
    for config in CONFIG_DIRS:
        for dirpath, _, names in os.walk(config):
            paths += [os.path.join(dirpath, n) for n in names]
    r.copy_with_libraries(paths)

    shutil.copy2(asor, os.path.join(root, "usr/bin/asor"))
    for lib in libraries(asor):
        if lib.startswith("/usr/") or lib.startswith("/lib"):
            r.copy_with_libraries([lib])
        else:  # the build tree's libasor
            shutil.copy2(lib, os.path.join(root, "usr/lib/x86_64-linux-gnu", os.path.basename(lib)))
            r.copy_with_libraries(libraries(lib))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, names in os.walk(root) for f in names
               if not os.path.islink(os.path.join(d, f)))
    print(f"{root}: {len(r.copied) + 1} files and links, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
