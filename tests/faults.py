"""A PostgreSQL cluster of the test's own, which a fault test may stop and start at will.

Built from the `pgserver` package's binaries (the ones the embedded mode runs), on a Unix
socket in a temporary directory, so the machine's server and the suite's database are never
touched. As root, PostgreSQL runs as pgserver's `pgserver` system user, as in embedded mode.
"""

import os
import pwd
import stat
import subprocess
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
    from pgserver import utils
    from pgserver._commands import POSTGRES_BIN_PATH


class OwnPostgres:
    """Start, crash and restart a throw-away PostgreSQL cluster in `root`.

    `bin_dir` picks other binaries than pgserver's (e.g. Debian's PostgreSQL 15); `port`
    names its socket (the server listens on no TCP port unless its configuration says so).
    """

    def __init__(self, root: Path, bin_dir: Path = POSTGRES_BIN_PATH, port: int = 5432) -> None:
        self.root = root
        self.bin_dir = bin_dir
        self.port = port
        self.pgdata = root / "pgdata"
        self.socket_dir = root / "sock"
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "pgserver"
            utils.ensure_user_exists(self.user)

    def init(self, *settings: str) -> None:
        """Create the cluster (trust auth, UTF-8) owned by the server's user; add `settings`
        (`name = value` lines) to its postgresql.conf."""
        self.socket_dir.mkdir(parents=True)
        self.pgdata.mkdir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            readable = stat.S_IRGRP | stat.S_IROTH
            executable = stat.S_IXGRP | stat.S_IXOTH
            utils.ensure_prefix_permissions(POSTGRES_BIN_PATH)
            utils.ensure_folder_permissions(POSTGRES_BIN_PATH, readable | executable)
            utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
            utils.ensure_prefix_permissions(self.root)
            for path in (self.root, self.pgdata, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres"
        )
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{line}\n" for line in settings)

    def reach(self, path: Path) -> None:
        """Let the server's user traverse the directories above `path` (a script it runs)."""
        if self.user:
            utils.ensure_prefix_permissions(path)

    def own_dir(self, name: str) -> Path:
        """Create a directory under `root` that the server's user owns (an archive, say)."""
        path = self.root / name
        path.mkdir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return path

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-w",
            "-t",
            "30",
            "-l",
            str(self.root / "log"),
            "-o",
            f"-h '' -k {self.socket_dir} -p {self.port}",
            "start",
        )

    def crash(self) -> None:
        """Stop the server at once, as a crash would (no checkpoint, connections cut)."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "immediate", "stop")

    def stop(self) -> None:
        """Stop the server cleanly (it waits for no client) if it runs."""
        if (self.pgdata / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop")

    @property
    def url(self) -> str:
        """Return the libpq URL of the `postgres` database on the socket."""
        return f"postgresql://postgres@/postgres?host={self.socket_dir}&port={self.port}"

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            user=self.user,
            timeout=60,
        )
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr}")
