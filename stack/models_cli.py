"""`rvs models ...`: publish, list and change the role of models through the admin API,
so the CLI is authorized exactly like any other publisher."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import httpx

ROLES = ("serve", "warm", "backstop", "candidate", "retired")


def add_parser(sub) -> None:
    models = sub.add_parser("models", help="publish and manage models through the admin API")
    models.add_argument("--url", default=os.environ.get("RVS_URL", "http://127.0.0.1:8000"),
                        help="gateway URL (RVS_URL)")
    models.add_argument("--token", default=os.environ.get("ADMIN_TOKEN", ""), help="admin token (ADMIN_TOKEN)")
    verbs = models.add_subparsers(dest="verb", required=True)
    pub = verbs.add_parser("publish", help="publish a model file as a new version")
    pub.add_argument("file", type=Path, help=".onnx, .pmml, or a SavedModel as .tar.gz/.zip")
    pub.add_argument("--name", required=True)
    pub.add_argument("--version", required=True)
    pub.add_argument("--data-type", required=True)
    pub.add_argument("--format", required=True, choices=("onnx", "pmml", "tensorflow"))
    pub.add_argument("--role", default="serve", choices=ROLES)
    pub.add_argument("--description", default="")
    pub.add_argument("--inputs", default="", help="input feature names, comma-separated, in order")
    pub.add_argument("--quality-metric", default="")
    pub.add_argument("--quality", type=float, default=0.0)
    pub.add_argument("--num-cpus", type=float, default=0.25)
    pub.add_argument("--num-gpus", type=float, default=0.0)
    pub.add_argument("--replicas", type=int, default=1)
    verbs.add_parser("list", help="list every model version with its role and status")
    role = verbs.add_parser("role", help="promote, demote or retire a version")
    role.add_argument("name")
    role.add_argument("version")
    role.add_argument("role", choices=ROLES)


def run(args: argparse.Namespace) -> int:
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    with httpx.Client(base_url=args.url, headers=headers, timeout=60) as client:
        if args.verb == "publish":
            response = client.post("/v1/models", data={"descriptor": json.dumps(_descriptor(args))},
                                   files={"file": (args.file.name, args.file.read_bytes())})
        elif args.verb == "list":
            response = client.get("/v1/models")
        else:
            response = client.post(f"/v1/models/{args.name}/versions/{args.version}/role", json={"role": args.role})
    print(json.dumps(response.json(), indent=2))
    if response.status_code >= 400:
        print(f"error: HTTP {response.status_code}", file=sys.stderr)
        return 1
    return 0


def _descriptor(args: argparse.Namespace) -> dict:
    return {"name": args.name, "version": args.version, "data_type": args.data_type, "format": args.format,
            "role": args.role, "description": args.description,
            "input_schema": [{"name": n.strip()} for n in args.inputs.split(",") if n.strip()],
            "quality": {"metric": args.quality_metric, "value": args.quality},
            "resources": {"num_cpus": args.num_cpus, "num_gpus": args.num_gpus, "replicas": args.replicas}}
