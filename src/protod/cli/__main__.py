from protod.cli import main

main()
