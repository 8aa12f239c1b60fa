from pathlib import Path

# The project's top level: where manage.py is, and where commands under test run.
PROJECT = Path(__file__).resolve().parent.parent
