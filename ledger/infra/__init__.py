"""Process machinery of the bulk paths (a forked worker, the garbage collector's pause): kept
out of the domain modules beside it. Nothing here is stored, so its module paths are free to
move (event classes' are not: they are the events' stored topics)."""
