"""The command language, phrasing by phrasing: what people type -> the plan they should get.

Each row: (text, [steps], target). A step is (op, {params that must match}, range); "!undo" /
"!redo" are history steps, "-blur" removes the last blur. A range is (start, end) where a number is
seconds from the start, ("end", n) is n seconds before the end, ("frac", f) a fraction of the
duration and None the end of the clip. Unlisted params must still pass the registry's validation.
"""

from __future__ import annotations

import math

import pytest

from t2v_desktop.commands import parse
from t2v_desktop.commands.plan import CLASSIC, GENERATIVE, ParseError
from t2v_desktop.ops import find_op

DB_150 = 20 * math.log10(1.5)
DB_HALF = 20 * math.log10(0.5)
DB_2X = 20 * math.log10(2)
THIRD = 1 / 3

ROWS = [
    # ---- brightness / contrast / saturation / exposure / gamma
    ("brighter", [("brightness", {"amount": 0.2})]),
    ("make it brighter", [("brightness", {"amount": 0.2})]),
    ("brighten it up", [("brightness", {"amount": 0.2})]),
    ("20% brighter", [("brightness", {"amount": 0.2})]),
    ("make it brighter by 0.3", [("brightness", {"amount": 0.3})]),
    ("brightness +0.3", [("brightness", {"amount": 0.3})]),
    ("brightness -20%", [("brightness", {"amount": -0.2})]),
    ("a bit brighter", [("brightness", {"amount": 0.1})]),
    ("make it slightly brighter", [("brightness", {"amount": 0.1})]),
    ("much brighter", [("brightness", {"amount": 0.5})]),
    ("way brighter", [("brightness", {"amount": 0.5})]),
    ("darken", [("brightness", {"amount": -0.2})]),
    ("darker", [("brightness", {"amount": -0.2})]),
    ("make it a lot darker", [("brightness", {"amount": -0.5})]),
    ("darker by 30%", [("brightness", {"amount": -0.3})]),
    ("i want it darker", [("brightness", {"amount": -0.2})]),
    ("can you make it a little bit brighter?", [("brightness", {"amount": 0.1})]),
    ("increase contrast", [("contrast", {"amount": 0.2})]),
    ("way more contrast", [("contrast", {"amount": 0.5})]),
    ("less contrast", [("contrast", {"amount": -0.2})]),
    ("higher contrast", [("contrast", {"amount": 0.2})]),
    ("more saturated", [("saturation", {"amount": 0.3})]),
    ("make the colors pop", [("saturation", {"amount": 0.3})]),
    ("more vivid", [("saturation", {"amount": 0.3})]),
    ("desaturate", [("saturation", {"amount": -0.3})]),
    ("desaturate slightly", [("saturation", {"amount": -0.1})]),
    ("saturation -50%", [("saturation", {"amount": -0.5})]),
    ("exposure +1 stop", [("exposure", {"stops": 1.0})]),
    ("exposure down 2 stops", [("exposure", {"stops": -2.0})]),
    ("gamma 0.8", [("gamma", {"gamma": 0.8})]),
    ("shift hue by 45 degrees", [("hue", {"degrees": 45.0})]),
    ("rotate the hue 90", [("hue", {"degrees": 90.0})]),
    # ---- temperature / tint
    ("warmer", [("temperature", {"amount": 0.3})]),
    ("make it warmer", [("temperature", {"amount": 0.3})]),
    ("warm it up", [("temperature", {"amount": 0.3})]),
    ("make it a tad warmer", [("temperature", {"amount": 0.1})]),
    ("cool it down", [("temperature", {"amount": -0.3})]),
    ("make it cooler", [("temperature", {"amount": -0.3})]),
    ("colder", [("temperature", {"amount": -0.3})]),
    ("much cooler", [("temperature", {"amount": -0.5})]),
    ("more magenta", [("tint", {"amount": 0.2})]),
    ("greener", [("tint", {"amount": -0.2})]),
    # ---- looks
    ("make it black and white", [("black_and_white", {"amount": 1.0})]),
    ("black & white", [("black_and_white", {})]),
    ("b&w", [("black_and_white", {})]),
    ("greyscale", [("black_and_white", {})]),
    ("grayscale", [("black_and_white", {})]),
    ("monochrome", [("black_and_white", {})]),
    ("remove the colour", [("black_and_white", {})]),
    ("turn it black and white", [("black_and_white", {})]),
    ("sepia", [("sepia", {"amount": 1.0})]),
    ("sepia at 50%", [("sepia", {"amount": 0.5})]),
    ("a bit of sepia", [("sepia", {"amount": 0.3})]),
    ("vintage look", [("vintage", {"amount": 1.0})]),
    ("make it look vintage", [("vintage", {})]),
    ("retro", [("vintage", {})]),
    ("sunset look", [("sunset", {"amount": 1.0})]),
    ("golden hour look", [("sunset", {})]),
    ("classic: make it sunset", [("sunset", {})]),
    ("teal and orange", [("teal_orange", {})]),
    ("cinematic look", [("teal_orange", {})]),
    ("day for night", [("night", {})]),
    ("night look", [("night", {})]),
    ("high contrast look", [("high_contrast", {})]),
    ("apply lut film.cube", [("lut", {"path": "film.cube", "amount": 1.0})]),
    ('apply lut "My LUTs/Film Look.cube" at 50%', [("lut", {"path": "My LUTs/Film Look.cube", "amount": 0.5})]),
    ("use the Kodak.cube lut", [("lut", {"path": "Kodak.cube"})]),
    # ---- geometry
    ("crop to 9:16", [("crop", {"aspect": "9:16"})]),
    ("crop to 16:9", [("crop", {"aspect": "16:9"})]),
    ("crop to 4:5", [("crop", {"aspect": "4:5"})]),
    ("make it vertical", [("crop", {"aspect": "9:16"})]),
    ("make it portrait", [("crop", {"aspect": "9:16"})]),
    ("square", [("crop", {"aspect": "1:1"})]),
    ("make it square", [("crop", {"aspect": "1:1"})]),
    ("widescreen", [("crop", {"aspect": "16:9"})]),
    ("crop 10% off the left", [("crop", {"aspect": "none", "left": 0.1, "right": 0.0})]),
    ("crop the top by 20%", [("crop", {"top": 0.2, "bottom": 0.0})]),
    ("resize to 720p", [("resize", {"height": 720, "width": 0})]),
    ("resize to 1280x720", [("resize", {"width": 1280, "height": 720})]),
    ("resize to 4k", [("resize", {"height": 2160})]),
    ("scale to 50%", [("resize", {"scale": 0.5})]),
    ("half the size", [("resize", {"scale": 0.5})]),
    ("downscale 2x", [("resize", {"scale": 0.5})]),
    ("rotate 90 degrees", [("rotate", {"degrees": 90.0})]),
    ("rotate left", [("rotate", {"degrees": -90.0})]),
    ("rotate counterclockwise", [("rotate", {"degrees": -90.0})]),
    ("rotate it right", [("rotate", {"degrees": 90.0})]),
    ("rotate 180", [("rotate", {"degrees": 180.0})]),
    ("turn it 90 degrees", [("rotate", {"degrees": 90.0})]),
    ("turn it upside down", [("rotate", {"degrees": 180.0})]),
    ("tilt 5 degrees", [("rotate", {"degrees": 5.0})]),
    ("flip horizontally", [("flip", {"direction": "horizontal"})]),
    ("flip vertically", [("flip", {"direction": "vertical"})]),
    ("flip it upside down", [("flip", {"direction": "vertical"})]),
    ("mirror", [("flip", {"direction": "horizontal"})]),
    ("mirror it", [("flip", {"direction": "horizontal"})]),
    ("zoom in", [("zoom", {"factor": 1.5})]),
    ("zoom in 2x", [("zoom", {"factor": 2.0, "x": 0.5, "y": 0.5})]),
    ("zoom 150%", [("zoom", {"factor": 1.5})]),
    ("zoom in on the top left", [("zoom", {"x": 0.25, "y": 0.25})]),
    # ---- filters
    ("add a blur", [("blur", {"radius": 5.0})]),
    ("blur 10px", [("blur", {"radius": 10.0})]),
    ("blur radius 8", [("blur", {"radius": 8.0})]),
    ("a little blur", [("blur", {"radius": 2.0})]),
    ("heavy blur", [("blur", {"radius": 15.0})]),
    ("sharpen", [("sharpen", {"amount": 0.8})]),
    ("sharpen 1.5", [("sharpen", {"amount": 1.5})]),
    ("sharpen a lot", [("sharpen", {"amount": 1.5})]),
    ("denoise", [("denoise", {"strength": 0.5})]),
    ("reduce noise", [("denoise", {})]),
    ("remove the grain", [("denoise", {})]),
    ("denoise 80%", [("denoise", {"strength": 0.8})]),
    ("fade in", [("fade_in", {"duration": 1.0})]),
    ("fade out over 2 seconds", [("fade_out", {"duration": 2.0})]),
    ("fade in over 3 seconds", [("fade_in", {"duration": 3.0})]),
    ("2 second fade out", [("fade_out", {"duration": 2.0})]),
    ("fade to black", [("fade_out", {})]),
    ("fade from black", [("fade_in", {})]),
    ("fade in and out", [("fade_in", {}), ("fade_out", {})]),
    ("fade in the audio", [("audio_fade_in", {"duration": 1.0})]),
    ("fade out the music over 3 seconds", [("audio_fade_out", {"duration": 3.0})]),
    # ---- stabilize / deflicker
    ("stabilize", [("stabilize", {"strength": 0.5, "border": "crop"})]),
    ("stabilise", [("stabilize", {})]),
    ("stabilize strongly", [("stabilize", {"strength": 0.9})]),
    ("stabilise with black borders", [("stabilize", {"border": "black"})]),
    ("remove camera shake", [("stabilize", {})]),
    ("fix the shaky footage", [("stabilize", {})]),
    ("steady the shot", [("stabilize", {})]),
    ("deflicker", [("deflicker", {"strength": 0.5})]),
    ("remove flicker", [("deflicker", {})]),
    ("fix flickering", [("deflicker", {})]),
    ("deflicker a bit", [("deflicker", {"strength": 0.2})]),
    # ---- timing
    ("trim the first 3 seconds", [("cut", {}, (0.0, 3.0))]),
    ("trim the last 2 seconds", [("cut", {}, (("end", 2.0), None))]),
    ("cut from 0:05 to 0:08", [("cut", {}, (5.0, 8.0))]),
    ("cut out 0:05 to 0:08", [("cut", {}, (5.0, 8.0))]),
    ("remove from 1:00 to 1:30", [("cut", {}, (60.0, 90.0))]),
    ("delete the first half", [("cut", {}, (0.0, ("frac", 0.5)))]),
    ("keep only 0:02 to 0:10", [("trim", {}, (2.0, 10.0))]),
    ("trim to 0:05-0:12", [("trim", {}, (5.0, 12.0))]),
    ("keep 5s to 12s", [("trim", {}, (5.0, 12.0))]),
    ("keep the first 10 seconds", [("trim", {}, (0.0, 10.0))]),
    ("shorten to 10 seconds", [("trim", {}, (0.0, 10.0))]),
    ("speed up 2x", [("speed", {"factor": 2.0})]),
    ("speed up", [("speed", {"factor": 2.0})]),
    ("speed up a bit", [("speed", {"factor": 1.25})]),
    ("speed up by 50%", [("speed", {"factor": 1.5})]),
    ("speed 1.5x", [("speed", {"factor": 1.5})]),
    ("play at 3x", [("speed", {"factor": 3.0})]),
    ("double speed", [("speed", {"factor": 2.0})]),
    ("twice as fast", [("speed", {"factor": 2.0})]),
    ("slow down to half speed", [("speed", {"factor": 0.5})]),
    ("half speed", [("speed", {"factor": 0.5})]),
    ("slow motion", [("speed", {"factor": 0.5})]),
    ("slo-mo", [("speed", {"factor": 0.5})]),
    ("slow down 2x", [("speed", {"factor": 0.5})]),
    ("slow down by 25%", [("speed", {"factor": 0.75})]),
    ("slow down to 25%", [("speed", {"factor": 0.25})]),
    ("time-lapse", [("speed", {"factor": 4.0})]),
    ("speed up 2x for the first 3 seconds", [("speed", {"factor": 2.0}, (0.0, 3.0))]),
    ("reverse", [("reverse", {})]),
    ("play it backwards", [("reverse", {})]),
    ("reverse the clip", [("reverse", {})]),
    ("freeze frame at 0:03 for 2 seconds", [("freeze", {"at": 3.0, "duration": 2.0})]),
    ("freeze at 3s", [("freeze", {"at": 3.0, "duration": 2.0})]),
    ("freeze the first frame for 1 second", [("freeze", {"at": 0.0, "duration": 1.0})]),
    ("hold the frame at 1:05 for 3 seconds", [("freeze", {"at": 65.0, "duration": 3.0})]),
    ("freeze frame at two seconds for one and a half seconds", [("freeze", {"at": 2.0, "duration": 1.5})]),
    # ---- audio
    ("louder", [("volume", {"gain_db": 6.0})]),
    ("quieter", [("volume", {"gain_db": -6.0})]),
    ("turn it up", [("volume", {"gain_db": 6.0})]),
    ("turn it down", [("volume", {"gain_db": -6.0})]),
    ("a bit louder", [("volume", {"gain_db": 3.0})]),
    ("50% louder", [("volume", {"gain_db": DB_150})]),
    ("volume down 50%", [("volume", {"gain_db": DB_HALF})]),
    ("set volume to 50%", [("volume", {"gain_db": DB_HALF})]),
    ("volume up 6 dB", [("volume", {"gain_db": 6.0})]),
    ("volume -6db", [("volume", {"gain_db": -6.0})]),
    ("lower the volume by 3 dB", [("volume", {"gain_db": -3.0})]),
    ("make it 2x louder", [("volume", {"gain_db": DB_2X})]),
    ("twice as loud", [("volume", {"gain_db": DB_2X})]),
    ("half as loud", [("volume", {"gain_db": DB_HALF})]),
    ("mute", [("mute", {})]),
    ("remove the audio", [("mute", {})]),
    ("no sound", [("mute", {})]),
    ("normalize audio", [("normalize", {"target_lufs": -16.0})]),
    ("normalize loudness to -14 LUFS", [("normalize", {"target_lufs": -14.0})]),
    ("normalise the audio to -23", [("normalize", {"target_lufs": -23.0})]),
    # ---- ranges on ordinary ops
    ("make it black and white from 0:05 to 0:12", [("black_and_white", {}, (5.0, 12.0))]),
    ("make it grayscale between 5s and 8s", [("black_and_white", {}, (5.0, 8.0))]),
    ("sepia 0:05-0:12", [("sepia", {}, (5.0, 12.0))]),
    ("sepia between 5 and 8 seconds", [("sepia", {}, (5.0, 8.0))]),
    ("sepia from 5 to 8", [("sepia", {}, (5.0, 8.0))]),
    ("sepia 5-8s", [("sepia", {}, (5.0, 8.0))]),
    ("sepia from 0:05 for 3 seconds", [("sepia", {}, (5.0, 8.0))]),
    ("sepia for the first 3 seconds", [("sepia", {}, (0.0, 3.0))]),
    ("sepia in the first 2.5 seconds", [("sepia", {}, (0.0, 2.5))]),
    ("sepia from 1m30s to 2m", [("sepia", {}, (90.0, 120.0))]),
    ("sepia from 01:02:03 to 01:02:10", [("sepia", {}, (3723.0, 3730.0))]),
    ("sepia from 0:05.5 to 0:07.25", [("sepia", {}, (5.5, 7.25))]),
    ("make it warmer for the last 3 seconds", [("temperature", {}, (("end", 3.0), None))]),
    ("make it warmer for the last third", [("temperature", {}, (("frac", 2 * THIRD), None))]),
    ("make it black and white for the second half", [("black_and_white", {}, (("frac", 0.5), None))]),
    ("sepia for the first half", [("sepia", {}, (0.0, ("frac", 0.5)))]),
    ("sepia the last half", [("sepia", {}, (("frac", 0.5), None))]),
    ("sepia during the middle third", [("sepia", {}, (("frac", THIRD), ("frac", 2 * THIRD)))]),
    ("make it warmer until 0:10", [("temperature", {}, (0.0, 10.0))]),
    ("make it warmer after 10 seconds", [("temperature", {}, (10.0, None))]),
    ("sepia from 0:05", [("sepia", {}, (5.0, None))]),
    ("make it warmer from 0:05 to the end", [("temperature", {}, (5.0, None))]),
    ("blur from 2 minutes to 2 minutes 30 seconds", [("blur", {}, (120.0, 150.0))]),
    # ---- chaining
    ("stabilize, then make it warmer", [("stabilize", {}), ("temperature", {"amount": 0.3})]),
    ("stabilize; sepia", [("stabilize", {}), ("sepia", {})]),
    ("stabilize then sepia", [("stabilize", {}), ("sepia", {})]),
    ("brighter and warmer", [("brightness", {}), ("temperature", {})]),
    ("first stabilize, after that make it warmer", [("stabilize", {}), ("temperature", {})]),
    ("first stabilize, then denoise, finally sharpen", [("stabilize", {}), ("denoise", {}), ("sharpen", {})]),
    ("stabilize, then make it warmer and more saturated",
     [("stabilize", {}), ("temperature", {}), ("saturation", {"amount": 0.3})]),
    ("make it brighter, warmer and sharper", [("brightness", {}), ("temperature", {}), ("sharpen", {})]),
    ("make it warmer then black and white then speed up 2x",
     [("temperature", {}), ("black_and_white", {}), ("speed", {"factor": 2.0})]),
    ("crop to 9:16; resize to 1080p", [("crop", {"aspect": "9:16"}), ("resize", {"height": 1080})]),
    ("make it black and white from 0:05 to 0:08 and from 0:10 to 0:12",
     [("black_and_white", {}, (5.0, 8.0)), ("black_and_white", {}, (10.0, 12.0))]),
    ("trim the first 3 seconds and the last 2 seconds", [("cut", {}, (0.0, 3.0)), ("cut", {}, (("end", 2.0), None))]),
    ("stabilize, then ai: add snow", [("stabilize", {}), ("ai_edit", {"prompt": "add snow"})]),
    # ---- history
    ("undo", [("!undo",)]),
    ("undo that", [("!undo",)]),
    ("undo twice", [("!undo",), ("!undo",)]),
    ("undo the last 2 changes", [("!undo",), ("!undo",)]),
    ("redo", [("!redo",)]),
    ("redo that", [("!redo",)]),
    ("remove the blur", [("-blur",)]),
    ("remove the sepia", [("-sepia",)]),
    ("get rid of the black and white", [("-black_and_white",)]),
    ("delete the warm filter", [("-temperature",)]),
    ("remove the slow motion", [("-speed",)]),
    ("unmute", [("-mute",)]),
    ("remove the last effect", [("-last",)]),
    ("remove the last edit", [("-last",)]),
    ("reset", [("-all",)]),
    ("remove all effects", [("-all",)]),
    ("start over", [("-all",)]),
    # ---- generative
    ("make it sunset", [("ai_edit", {"prompt": "make it sunset"})]),
    ("make it night", [("ai_edit", {"prompt": "make it night"})]),
    ("add snow", [("ai_edit", {"prompt": "add snow", "strength": 0.6})]),
    ("turn it into a watercolor painting", [("ai_edit", {"prompt": "turn it into a watercolor painting"})]),
    ("make it look like a van gogh", [("ai_edit", {"prompt": "make it look like a van gogh"})]),
    ("make it cyberpunk", [("ai_edit", {"prompt": "make it cyberpunk"})]),
    ("replace the sky with a stormy sky", [("ai_edit", {"prompt": "replace the sky with a stormy sky"})]),
    ("Make It Look Like A Van Gogh", [("ai_edit", {"prompt": "Make It Look Like A Van Gogh"})]),
    ("add snow strongly", [("ai_edit", {"prompt": "add snow", "strength": 0.8})]),
    ("add rain subtly", [("ai_edit", {"prompt": "add rain", "strength": 0.35})]),
    ("add snow, seed 7", [("ai_edit", {"prompt": "add snow", "seed": 7})]),
    ("make it snowy strongly with seed 7 and 4 steps",
     [("ai_edit", {"prompt": "make it snowy", "strength": 0.8, "seed": 7, "steps": 4})]),
    ("add snow subtly, fast", [("ai_edit", {"prompt": "add snow", "strength": 0.35, "mode": "fast"})]),
    ("transform it into a pencil sketch in fast mode", [("ai_edit", {"prompt": "transform it into a pencil sketch", "mode": "fast"})]),
    ("make it look like an oil painting with 30 steps", [("ai_edit", {"prompt": "make it look like an oil painting", "steps": 30})]),
    ("add fireworks in the sky from 0:05 to 0:08", [("ai_edit", {"prompt": "add fireworks in the sky"}, (5.0, 8.0))]),
    ("turn the sky purple", [("ai_edit", {"prompt": "turn the sky purple"})]),
    ("give it a comic book style", [("ai_edit", {"prompt": "give it a comic book style"})]),
    ("make it look like it was shot on film", [("ai_edit", {"prompt": "make it look like it was shot on film"})]),
    ("brighten the sky", [("ai_edit", {"prompt": "brighten the sky"})]),
    ("blur the background", [("ai_edit", {"prompt": "blur the background"})]),
    ("remove the tree", [("ai_edit", {"prompt": "remove the tree"})]),
    ("ai: make it brighter", [("ai_edit", {"prompt": "make it brighter"})]),
    ("ai: add snow and make it night, seed 42", [("ai_edit", {"prompt": "add snow and make it night", "seed": 42})]),
    ("make it sunset and add birds", [("ai_edit", {"prompt": "make it sunset"}), ("ai_edit", {"prompt": "add birds"})]),
    ("stabilize, then make it sunset", [("stabilize", {}), ("ai_edit", {"prompt": "make it sunset"})]),
    # ---- more everyday phrasings
    ("dim", [("brightness", {"amount": -0.2})]),
    ("increase brightness by 10%", [("brightness", {"amount": 0.1})]),
    ("lower the brightness a bit", [("brightness", {"amount": -0.1})]),
    ("turn up the brightness", [("brightness", {"amount": 0.2})]),
    ("turn down the contrast", [("contrast", {"amount": -0.2})]),
    ("bump up the saturation", [("saturation", {"amount": 0.3})]),
    ("make it pop", [("saturation", {"amount": 0.3})]),
    ("desaturate completely", [("black_and_white", {"amount": 1.0})]),
    ("give it a warm tone", [("temperature", {"amount": 0.3})]),
    ("give it a vintage look", [("vintage", {})]),
    ("make it 10% darker and 20% warmer", [("brightness", {"amount": -0.1}), ("temperature", {"amount": 0.2})]),
    ("make it a bit darker and a lot warmer", [("brightness", {"amount": -0.1}), ("temperature", {"amount": 0.5})]),
    ("crank up the volume", [("volume", {"gain_db": 6.0})]),
    ("stabilize the video and crop to square", [("stabilize", {}), ("crop", {"aspect": "1:1"})]),
    ("speed up the second half 2x", [("speed", {"factor": 2.0}, (("frac", 0.5), None))]),
    ("make the first 3 seconds black and white", [("black_and_white", {}, (0.0, 3.0))]),
    ("in the last 2 seconds, fade out", [("fade_out", {}, (("end", 2.0), None))]),
    ("reverse the first half", [("reverse", {}, (0.0, ("frac", 0.5)))]),
    ("mute the first 5 seconds", [("mute", {}, (0.0, 5.0))]),
    ("louder from 0:03", [("volume", {"gain_db": 6.0}, (3.0, None))]),
    ("sepia at 0:05 for 3 seconds", [("sepia", {}, (5.0, 8.0))]),
    ("sepia before 0:10", [("sepia", {}, (0.0, 10.0))]),
    ("remove 0:05 to 0:08", [("cut", {}, (5.0, 8.0))]),
    ("remove noise", [("denoise", {})]),
    ("undo last", [("!undo",)]),
    ("undo the last change", [("!undo",)]),
    ("take off the zoom", [("-zoom",)]),
    ("get rid of the speed change", [("-speed",)]),
    ("remove the sepia filter", [("-sepia",)]),
    ("clear all effects", [("-all",)]),
    ("revert to original", [("-all",)]),
    ("add snow and rain", [("ai_edit", {"prompt": "add snow and rain"})]),
    ("make it golden hour", [("ai_edit", {"prompt": "make it golden hour"})]),
    ("make it look like a van gogh, with swirling skies",
     [("ai_edit", {"prompt": "make it look like a van gogh, with swirling skies"})]),
    ("make it look like pop art", [("ai_edit", {"prompt": "make it look like pop art"})]),
    ("add snow, guidance 9", [("ai_edit", {"prompt": "add snow", "guidance": 9.0})]),
    ("add snow at 50% strength", [("ai_edit", {"prompt": "add snow", "strength": 0.5})]),
    ("add snow using model sdxl-turbo", [("ai_edit", {"prompt": "add snow", "model": "sdxl-turbo"})]),
    ("blur the faces from 0:02 to 0:04", [("ai_edit", {"prompt": "blur the faces"}, (2.0, 4.0))]),
    ("make everything warmer and add snow", [("temperature", {}), ("ai_edit", {"prompt": "add snow"})], "timeline"),
    ("remove blur, sepia", [("-blur",), ("-sepia",)]),
    ("remove the blur and the sepia", [("-blur",), ("-sepia",)]),
    ("remove the last effect and the blur", [("-last",), ("-blur",)]),
    ("remove the blur, then sepia", [("-blur",), ("sepia", {})]),
    ("remove the blur and add snow", [("-blur",), ("ai_edit", {"prompt": "add snow"})]),
    ("undo and redo", [("!undo",), ("!redo",)]),
    ("make it 4:3", [("crop", {"aspect": "4:3"})]),
    ("cinematic crop", [("crop", {"aspect": "21:9"})]),
    ("make it black and white at 50%", [("black_and_white", {"amount": 0.5})]),
    ("rotate 45 degrees counterclockwise", [("rotate", {"degrees": -45.0})]),
    ("zoom in 3x on the center", [("zoom", {"factor": 3.0, "x": 0.5, "y": 0.5})]),
    ("resize to 640 wide", [("resize", {"width": 640, "height": 0})]),
    ("upscale 2x", [("resize", {"scale": 2.0})]),
    ("ai: make it sunset, subtly, seed 3", [("ai_edit", {"prompt": "make it sunset", "strength": 0.35, "seed": 3})]),
    ("classic: stabilize, then make it warmer", [("stabilize", {}), ("temperature", {})]),
    ("make the whole thing brighter", [("brightness", {"amount": 0.2})]),
    ("can you please stabilize this shaky video", [("stabilize", {})]),
    ("play it at half speed", [("speed", {"factor": 0.5})]),
    ("play in slow motion", [("speed", {"factor": 0.5})]),
    ("make it go faster", [("speed", {"factor": 2.0})]),
    ("trim 2 seconds from the start", [("cut", {}, (0.0, 2.0))]),
    ("trim 2 seconds off the end", [("cut", {}, (("end", 2.0), None))]),
    ("make it 5 seconds long", [("trim", {}, (0.0, 5.0))]),
    ("make the audio louder", [("volume", {"gain_db": 6.0})]),
    ("give it a blue tint", [("temperature", {"amount": -0.3})]),
    ("make colors less intense", [("saturation", {"amount": -0.3})]),
    ("convert it to grayscale", [("black_and_white", {})]),
    ("change it to sepia", [("sepia", {})]),
    ("I'd like it in black and white", [("black_and_white", {})]),
    ("speed the video up 2x", [("speed", {"factor": 2.0})]),
    ("slow the clip down to 0.5x", [("speed", {"factor": 0.5})]),
    ("cut the last second", [("cut", {}, (("end", 1.0), None))]),
    ("add a 2 second fade out", [("fade_out", {"duration": 2.0})]),
    ("increase the volume by 50%", [("volume", {"gain_db": DB_150})]),
    ("turn the music down", [("volume", {"gain_db": -6.0})]),
    # ---- target and politeness
    ("make everything warmer", [("temperature", {})], "timeline"),
    ("make all clips brighter", [("brightness", {})], "timeline"),
    ("make it brighter on the whole timeline", [("brightness", {})], "timeline"),
    ("apply sepia to all clips", [("sepia", {})], "timeline"),
    ("warmer please", [("temperature", {})]),
    ("please make it warmer!", [("temperature", {})]),
    ("  Make it WARMER  ", [("temperature", {})]),
    # ---- everyday words added for issue 8 ("bump", "take the colour out", platforms)
    ("bump the brightness", [("brightness", {"amount": 0.2})]),
    ("bump up the volume", [("volume", {"gain_db": 6.0})]),
    ("bump the volume", [("volume", {"gain_db": 6.0})]),
    ("bump it up", [("volume", {"gain_db": 6.0})]),
    ("bump the contrast a bit", [("contrast", {"amount": 0.1})]),
    ("take the colour out", [("black_and_white", {"amount": 1.0})]),
    ("take the color out of it", [("black_and_white", {})]),
    ("drain the colour", [("black_and_white", {})]),
    ("punch in", [("zoom", {"factor": 1.5})]),
    ("punch in 2x", [("zoom", {"factor": 2.0})]),
    ("make it for tiktok", [("crop", {"aspect": "9:16"})]),
    ("make it for reels", [("crop", {"aspect": "9:16"})]),
    ("format for youtube shorts", [("crop", {"aspect": "9:16"})]),
    ("instagram story", [("crop", {"aspect": "9:16"})]),
    ("crop for instagram", [("crop", {"aspect": "1:1"})]),
    ("insta portrait", [("crop", {"aspect": "4:5"})]),
    ("crop it for instagram portrait", [("crop", {"aspect": "4:5"})]),
    ("format for youtube", [("crop", {"aspect": "16:9"})]),
    ("export it for tiktok, then make it warmer", [("crop", {"aspect": "9:16"}), ("temperature", {})]),
]

#: The table before issue 8's additions; tests/test_parser_typos.py holds every word of it safe
#: from the typo fixer.
ORIGINAL_ROWS = ROWS[:349]


def _approx(a, b):
    if isinstance(b, float):
        return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def _ref(ref, kind):
    """(value, anchor) of an expected range end."""
    if ref is None:
        return None
    if isinstance(ref, tuple):
        return ref[1], {"end": "end", "frac": "fraction"}[ref[0]]
    return float(ref), "start"


def check_plan(plan, expected, target="selection"):
    got = [(s.action, s.op) for s in plan.steps]
    assert len(plan.steps) == len(expected), f"steps {got} != {expected}"
    assert plan.target == target
    for step, exp in zip(plan.steps, expected, strict=True):
        op = exp[0]
        if op.startswith("!"):
            assert (step.action, step.op) == (op[1:], op[1:])
            continue
        if op.startswith("-"):
            assert (step.action, step.op) == ("remove", op[1:])
            continue
        assert (step.action, step.op) == ("apply", op), got
        assert step.route == (GENERATIVE if op == "ai_edit" else CLASSIC)
        assert step.reason
        for k, v in exp[1].items():
            assert _approx(step.params.get(k), v), f"{op}.{k} = {step.params.get(k)!r}, expected {v!r}"
        # every apply step is complete and valid against the real registry
        assert find_op(op).validate(step.params) == step.params
        rng = exp[2] if len(exp) > 2 else None
        if rng is None:
            assert step.range is None, f"unexpected range {step.range}"
        else:
            assert step.range is not None, "expected a range"
            s, e = _ref(rng[0], "start"), _ref(rng[1], "end")
            assert step.range.start.anchor == s[1]
            assert math.isclose(step.range.start.value, s[0], abs_tol=1e-9)
            if e is None:
                assert step.range.end is None
            else:
                assert step.range.end is not None and step.range.end.anchor == e[1]
                assert math.isclose(step.range.end.value, e[0], abs_tol=1e-9)
    routes = {s.route for s in plan.steps}
    assert plan.route == (routes.pop() if len(routes) == 1 else "mixed")


def test_there_are_enough_phrasings():
    assert len(ROWS) >= 150
    assert len({r[0] for r in ROWS}) == len(ROWS), "duplicate phrasing in the table"


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_phrasing(row):
    text, expected, *target = row
    plan = parse(text)
    check_plan(plan, expected, *target)
    assert plan.corrections == [] and plan.corrected_text == "", "a phrasing that parses is never corrected"


ERRORS = [
    "", "   ", "asdf qwer", "send an email", "make me a sandwich", "make it asdf", "what is the weather", "hello",
    "x and y", "quieker", "bleur",
    "brighter warmer", "brightness nan", "brightness 1e308", "speed up 10x", "slow down to 10%", "zoom out",
    "volume down 100%", "crop to 3:2", "crop", "trim", "cut", "freeze frame", "sepia from 0:12 to 0:05",
    "sepia from 1:75 to 2:00", "the last 2 seconds", "ai:", "ai: 123", "classic: add snow",
    "classic: brighten the sky", "make it black and white for 3 seconds", "sepia for 3 seconds", "from 0:05 to 0:08",
    "classic: sepia and add snow", "add snow with 1.5 steps", "add snow at 150% strength", "sepia 120%",
    "ai: add snow seed 99999999999", "make it shorter", "undo 500 times", "rotate 720 degrees",
    "blur 500px", "resize to 99999x720", "make it 200% brighter", "normalize to -80 LUFS",
]


@pytest.mark.parametrize("text", ERRORS)
def test_not_understood_is_a_parse_error(text):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.message
    assert str(info.value) == info.value.message
