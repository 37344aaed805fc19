"""`workbench new` and `workbench info`."""

from __future__ import annotations

import argparse

from workbench.commands.common import open_project, print_json
from workbench.core.project import TASKS, Project


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("new", help="create an empty project folder")
    p.add_argument("dir", help="project folder to create")
    p.add_argument("--name", help="display name (default: the folder name)")
    p.add_argument("--task", choices=TASKS, default="segmentation", help="what the model will do")
    p.add_argument("--class", dest="classes", action="append", default=[], metavar="NAME",
                   help="add a defect class (repeatable)")  # fmt: skip
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("info", help="counts per label, class and split; image health flags")
    p.add_argument("dir", help="project folder")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)


def cmd_new(args: argparse.Namespace) -> int:
    with Project.create(args.dir, name=args.name, task=args.task) as project:
        for name in args.classes:
            project.add_class(name)
        print(f"created project {project.name!r} in {project.root}")
    return 0


def project_summary(project: Project) -> dict[str, object]:
    counts = project.counts()
    return {
        "name": project.name,
        "path": str(project.root),
        "task": project.task,
        "test_locked": project.test_locked,
        "classes": [{"id": c.id, "name": c.name, "color": c.color} for c in project.classes()],
        "samples": counts["total"],
        "per_label": counts["label"],
        "per_split": counts["split"],
        "per_class": counts["class"],
        "per_split_label": counts["split_label"],
        "with_mask": counts["with_mask"],
        "flags": counts["flags"],
        "review": counts["review"],
        "runs": len(project.runs()),
    }


def cmd_info(args: argparse.Namespace) -> int:
    with open_project(args.dir, readonly=True) as project:
        info = project_summary(project)
    if args.json:
        print_json(info)
        return 0
    print(f"{info['name']}  ({info['task']})  {info['path']}")
    print(f"samples: {info['samples']}  with mask: {info['with_mask']}  runs: {info['runs']}")
    print("labels:  " + "  ".join(f"{k}={v}" for k, v in info["per_label"].items()))  # type: ignore[attr-defined]
    locked = " (test locked)" if info["test_locked"] else ""
    print("splits:  " + "  ".join(f"{k}={v}" for k, v in info["per_split"].items()) + locked)  # type: ignore[attr-defined]
    print("classes: " + ("  ".join(f"{k}={v}" for k, v in info["per_class"].items()) or "none"))  # type: ignore[attr-defined]
    flags = info["flags"]
    print("health:  " + ("  ".join(f"{k}={v}" for k, v in flags.items()) if flags else "no flags"))  # type: ignore[attr-defined]
    return 0
