"""The media library: an index of the user's footage in one SQLite file, searched by text.

Shots (not files) are the unit of search: each has a time span, keyframes, descriptors, the words
spoken and shown in it and, when a local CLIP/SigLIP model is present, image embeddings.
"""
