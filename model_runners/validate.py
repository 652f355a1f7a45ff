"""Try an untrusted model in a throwaway subprocess before any runner loads it: malformed
ONNX can crash ONNX Runtime instead of raising (docs/facts.md), and a model can hang or eat
memory. The child loads the model and scores one row of zeros; the parent turns what
happened into a reason, and never raises.

    parent:  validate_in_subprocess(descriptor_bytes) -> "" or the reason
    child:   python -m model_runners.validate  (descriptor on stdin, one JSON line on stdout)

The child runs on the CPU only (CUDA reserves far more address space than the cap), with
its address space capped at 4 GiB: TensorFlow's import and a small SavedModel peak at
about 1.5 GiB of virtual memory (docs/facts.md); the JVM for PMML needs a bounded heap to start under
a cap (its default reserves a quarter of RAM), so the child gives it one."""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD_COMMAND = (sys.executable, "-m", "model_runners.validate")
ADDRESS_SPACE_BYTES = 4 * 1024 ** 3
JVM_OPTIONS = "-Xmx1g -XX:ReservedCodeCacheSize=64m -XX:CompressedClassSpaceSize=128m"


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["JAVA_OPTS"] = f"{JVM_OPTIONS} {env.get('JAVA_OPTS', '')}".strip()  # later options win in java
    return env


def validate_in_subprocess(descriptor_bytes: bytes, timeout_s: float = 60) -> str:
    """"" if the model loads and scores a row of zeros in a fresh process, else why not."""
    try:
        # A session of its own: on timeout the child's group (its JVM too) goes with it.
        child = subprocess.Popen(CHILD_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # noqa: S603 - fixed argv (this python -m model_runners.validate); the model goes on stdin
                                 stderr=subprocess.PIPE, env=child_environment(), start_new_session=True)
    except OSError as exc:
        return f"could not start the validating process: {exc}"
    try:
        stdout, stderr = child.communicate(descriptor_bytes, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the group this child leads; nothing else
        child.communicate()
        return f"loading took longer than {timeout_s:g} s"
    return reason_from(child.returncode, stdout, stderr)


def reason_from(returncode: int, stdout: bytes, stderr: bytes) -> str:
    if returncode < 0:
        return f"the model crashed the validating process (signal {-returncode})"
    lines = stdout.decode(errors="replace").strip().splitlines()
    try:
        return str(json.loads(lines[-1])["reason"])
    except (IndexError, ValueError, KeyError, TypeError):
        last_error = (stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        return f"the validating process exited with status {returncode}: {last_error}"


# The child ------------------------------------------------------------------------
def load_and_score(descriptor_bytes: bytes) -> str:
    from common.codec import decode_descriptor
    from common.errors import PlatformError
    from model_runners.artifacts import materialize, release
    from model_runners.runtimes import create_runtime
    from model_runners.runtimes.base import RowError

    try:
        descriptor = decode_descriptor(descriptor_bytes)
        runtime = create_runtime(descriptor.format, use_gpu=False)
        artifact = materialize(descriptor)
        try:
            runtime.load(artifact)
        finally:
            release(artifact)
        width = len(descriptor.input_schema) or getattr(runtime, "input_width", 0)
        result = runtime.score_batch([[0.0] * width]) if width else []  # no width known: loading is the test
        runtime.unload()
    except PlatformError as exc:
        return exc.message
    except MemoryError:
        return f"the model needs more than {ADDRESS_SPACE_BYTES // 1024 ** 3} GiB of memory to load"
    except Exception as exc:  # a runtime's unexpected failure is still a reason, not a crash
        return f"{type(exc).__name__}: {exc}"
    if result and isinstance(result[0], RowError):
        return f"the model could not score a row of zeros: {result[0].message}"
    return ""


def cap_address_space() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = ADDRESS_SPACE_BYTES if hard == resource.RLIM_INFINITY else min(ADDRESS_SPACE_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main() -> None:
    cap_address_space()
    # Libraries may print to fd 1; keep it for the result line and send theirs to stderr.
    result_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    reason = load_and_score(sys.stdin.buffer.read())
    result_out.write(json.dumps({"reason": reason}) + "\n")
    result_out.flush()
    os._exit(0)  # skip interpreter teardown: TensorFlow and py4j can crash there, after the answer


if __name__ == "__main__":
    main()
