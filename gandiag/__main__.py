from gandiag.cli import main

main()
