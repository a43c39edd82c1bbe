"""Script to video: text (plain, Markdown or an article) becomes an edited, editable project.

parse.py reads the text into sections and scenes, summarize.py shortens an article to a script,
build.py turns a Script into a multi-track Project (narration, visuals, captions, music, cards).
Sits between commands/ (which edits what it built) and library/ (which it searches for shots).
"""
