from publish.cli import main

if __name__ == "__main__":  # a worker process imports this module again; it must not rerun the CLI
    main()
