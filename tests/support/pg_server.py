#!/usr/bin/env python3
"""A private PostgreSQL server for tests: initdb + pg_ctl in a temporary directory, listening
on 127.0.0.1 on a free port and on a unix socket inside that directory. Standard library only.

As a module (tests/e2e):  srv = PgServer.create(); srv.start(); srv.dsn(); srv.stop()
As a program (C++ tests, bench):
    pg_server.py start            creates DIR, starts the server, prints one JSON line:
                                  {"dir", "port", "host", "user", "password", "dsn", "socket_dir"}
    pg_server.py start --dir DIR  starts the server of an existing DIR again (same port)
    pg_server.py stop --dir DIR [--mode fast|immediate]
    pg_server.py destroy --dir DIR   stops it (immediate) and removes DIR

PostgreSQL refuses to run as root. When this runs as root, the server runs as the `postgres`
user that Debian's postgresql package creates (through runuser or setpriv), and DIR belongs
to it. As any other user the server runs as that user.

The superuser is "tincrawl" with a random password. TCP connections need the password
(scram-sha-256, so tests can try bad credentials); unix-socket connections are trusted.
"""
import argparse
import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

USER = "tincrawl"


def bin_dir():
    """The PostgreSQL server binaries: $PG_BINDIR, pg_config --bindir, /usr/lib/postgresql/*."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    try:
        candidates.append(subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                         text=True, timeout=30).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and os.access(os.path.join(c, "initdb"), os.X_OK):
            return c
    raise RuntimeError("no PostgreSQL server binaries (initdb) found; install the Debian "
                       "package `postgresql` (scripts/install-deps does)")


def run_as():
    """(argv prefix, pw entry) to run server commands as a non-root user."""
    if os.geteuid() != 0:
        return [], None
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root and there is no `postgres` user to run the test "
                           "server as (install the Debian package `postgresql`)")
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"], pw
    return ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid, "--clear-groups"], pw


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, directory):
        self.dir = directory
        self.data = os.path.join(directory, "data")
        self.sock = os.path.join(directory, "sock")
        self.log = os.path.join(directory, "server.log")
        self.state_file = os.path.join(directory, "server.json")
        self.bin = bin_dir()
        self.prefix, self.pw = run_as()
        with open(self.state_file, encoding="utf-8") as f:
            st = json.load(f)
        self.port, self.password = st["port"], st["password"]

    @classmethod
    def create(cls):
        """A new initialized (not started) server in a fresh temporary directory."""
        directory = tempfile.mkdtemp(prefix="tincrawl-pg-")
        prefix, pw = run_as()
        os.makedirs(os.path.join(directory, "sock"))
        password = secrets.token_hex(12)
        pwfile = os.path.join(directory, "pwfile")
        with open(pwfile, "w", encoding="utf-8") as f:
            f.write(password + "\n")
        with open(os.path.join(directory, "server.json"), "w", encoding="utf-8") as f:
            json.dump({"port": free_port(), "password": password}, f)
        if pw is not None:
            for root, dirs, files in os.walk(directory):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, pw.pw_uid, pw.pw_gid)
        initdb = os.path.join(bin_dir(), "initdb")
        proc = subprocess.run(prefix + [initdb, "-D", os.path.join(directory, "data"), "-U", USER,
                                        "--pwfile", pwfile, "--auth-local=trust",
                                        "--auth-host=scram-sha-256", "-E", "UTF8",
                                        "--locale=C.UTF-8", "--no-sync"],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            shutil.rmtree(directory, ignore_errors=True)
            raise RuntimeError("initdb failed (%d): %s" % (proc.returncode, proc.stderr))
        return cls(directory)

    def pg_ctl(self, *args, timeout=90, check=True):
        proc = subprocess.run(self.prefix + [os.path.join(self.bin, "pg_ctl"), "-D", self.data]
                              + list(args), capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError("pg_ctl %s failed (%d): %s%s" % (
                " ".join(args), proc.returncode, proc.stderr, self.tail_log()))
        return proc

    def tail_log(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return "\nserver log:\n" + f.read()[-3000:]
        except OSError:
            return ""

    def start(self):
        # fsync off: the tests crash processes, not the machine, and the OS keeps what was written.
        # Small for the tests; TINCRAWL_PG_SETTINGS ("name=value ...") sizes it for a benchmark.
        opts = ("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
                "-c max_connections=40 -c shared_buffers=32MB" % (self.port, self.sock))
        for setting in os.environ.get("TINCRAWL_PG_SETTINGS", "").split():
            opts += " -c " + setting
        self.pg_ctl("start", "-w", "-t", "60", "-l", self.log, "-o", opts)
        return self

    def stop(self, mode="fast"):
        """Stops the server; mode "immediate" is a crash (no checkpoint, recovery at start)."""
        if self.running():
            self.pg_ctl("stop", "-w", "-t", "60", "-m", mode)

    def running(self):
        return self.pg_ctl("status", check=False).returncode == 0

    def destroy(self):
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def dsn(self, dbname="postgres", password=None):
        return "host=127.0.0.1 port=%d user=%s password=%s dbname=%s connect_timeout=5" % (
            self.port, USER, self.password if password is None else password, dbname)

    def psql(self, sql, dbname="postgres"):
        """Runs `sql` over the unix socket; returns stdout rows as lists of strings."""
        proc = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-F", "\t",
                               "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p", str(self.port),
                               "-U", USER, "-d", dbname, "-c", sql],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError("psql failed: %s\n%s" % (sql, proc.stderr))
        return [line.split("\t") for line in proc.stdout.splitlines() if line]

    def info(self):
        return {"dir": self.dir, "port": self.port, "host": "127.0.0.1", "user": USER,
                "password": self.password, "dsn": self.dsn(), "socket_dir": self.sock}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["start", "stop", "destroy"])
    ap.add_argument("--dir")
    ap.add_argument("--mode", default="fast", choices=["fast", "immediate"])
    args = ap.parse_args()
    try:
        if args.command == "start":
            srv = PgServer(args.dir) if args.dir else PgServer.create()
            srv.start()
            print(json.dumps(srv.info()), flush=True)
        elif args.command == "stop":
            PgServer(args.dir).stop(args.mode)
        else:
            PgServer(args.dir).destroy()
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print("pg_server: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
