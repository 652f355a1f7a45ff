"""`python -m stack up [--no-demo]`: run the platform in the foreground."""
from stack.cli import main

main()
