"""Operator commands: ``python -m nomask_app.cli COMMAND ...``.

Each command is one function taking the parsed arguments and returning an
exit code, registered in `COMMANDS` with the function that adds its
arguments. Commands write to the configured database (run `make migrate`
first) and print one line saying what happened.
"""

import argparse
import sys
from collections.abc import Callable

from nomask_app.db import session_scope
from nomask_app.services import admin
from nomask_app.services.errors import FieldErrors, NotFound


def _create_admin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email", help="the address of an existing account")


def create_admin(args: argparse.Namespace) -> int:
    """Make an existing account an admin (the first admin is made this way)."""
    try:
        with session_scope() as session:
            user = admin.set_role(session=session, email=args.email, role=admin.ADMIN)
            email = user.email
    except NotFound:
        print(f"No account has the address {args.email}. Sign up first.", file=sys.stderr)
        return 1
    except FieldErrors as problem:
        print("; ".join(problem.errors.values()), file=sys.stderr)
        return 2
    print(f"{email} is now an admin. They can open /admin after signing in again.")
    return 0


# name -> (help, add arguments, run)
COMMANDS: dict[str, tuple[str, Callable, Callable[[argparse.Namespace], int]]] = {
    "create-admin": (
        "give an existing account the admin role",
        _create_admin_arguments,
        create_admin,
    ),
}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m nomask_app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text)
        add_arguments(command)
        command.set_defaults(run=run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
