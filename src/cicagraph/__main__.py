from cicagraph.cli import cli

cli()
