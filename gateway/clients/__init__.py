"""The services as the gateway calls them: ``http`` carries the requests; every other module
holds one typed async function per remote call, and nothing else in the gateway writes a method
or a path."""
