"""What the embedded broker needs on the machine: Java 17+, and Apache Kafka's jars,
fetched once through Maven from stack/kafka/pom.xml into a cache outside the work tree
(so a second `make up`, or a clean clone on the same machine, fetches nothing)."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

KAFKA_DIR = Path(__file__).resolve().parent / "kafka"
POM = KAFKA_DIR / "pom.xml"
MIN_JAVA = 17
INSTALL_HINT = ("install Java 17+ and Maven (Debian: apt-get install openjdk-17-jre-headless maven), "
                "or set KAFKA_BOOTSTRAP to an existing Kafka cluster")


class BrokerSetupError(RuntimeError):
    """What is missing to run the embedded broker, in one line a person can act on."""


def kafka_version() -> str:
    return re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text()).group(1)


def cache_dir() -> Path:
    """One folder per pom content, so a changed pin never mixes two versions' jars."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "rendezvous-serving" / f"kafka-{kafka_version()}-{digest}"


def java_binary() -> str:
    """A java of version 17 or later: JAVA_HOME's, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home, "bin", "java")) if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise BrokerSetupError(f"no Java found for the embedded Kafka broker: {INSTALL_HINT}")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr  # noqa: S603 - fixed argv, no shell: JAVA_HOME's or PATH's java
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerSetupError(f"{java} -version failed ({exc}): {INSTALL_HINT}") from None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(found.group(1)) if found else 0
    if major == 1 and found.group(2):  # "1.8.0_402" is Java 8
        major = int(found.group(2))
    if major < MIN_JAVA:
        raise BrokerSetupError(f"the embedded Kafka broker needs Java {MIN_JAVA}+, but {java} is "
                               f"version {major or 'unknown'}: {INSTALL_HINT}")
    return java


def ensure_jars(say=print) -> Path:
    """The broker's classpath folder, fetched through Maven the first time only."""
    libs, done = cache_dir() / "libs", cache_dir() / ".complete"
    if done.exists():
        return libs
    mvn = shutil.which("mvn")
    if not mvn:
        raise BrokerSetupError(f"Maven is needed once, to fetch Apache Kafka {kafka_version()}'s jars: "
                               f"{INSTALL_HINT}")
    say(f"fetching Apache Kafka {kafka_version()}'s jars through Maven into {libs} (once, about 45 MB)")
    shutil.rmtree(libs, ignore_errors=True)
    try:
        result = subprocess.run([mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",  # noqa: S603 - fixed argv, no shell: PATH's mvn on our own pom
                                 "-DincludeScope=runtime", f"-DoutputDirectory={libs}"],
                                capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise BrokerSetupError("Maven took over 15 minutes to fetch Kafka's jars; check access to Maven "
                               "Central, or set KAFKA_BOOTSTRAP to an existing cluster") from None
    if result.returncode != 0:
        tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
        raise BrokerSetupError(f"Maven could not fetch Apache Kafka {kafka_version()}'s jars ({tail}); check "
                               f"access to Maven Central, or set KAFKA_BOOTSTRAP to an existing cluster")
    done.write_text(kafka_version())
    return libs


if __name__ == "__main__":
    import sys
    try:
        java_binary()
        print(ensure_jars())
    except BrokerSetupError as exc:
        sys.exit(f"embedded broker: {exc}")
