"""Speech and language: recognition with word timings, voice activity, text to speech, translation.

Each job has one interface and an embedded default that works offline on a fresh install
(pocketsphinx, energy VAD, espeak-ng); quality backends (Whisper, Silero, Piper/Kokoro, MarianMT)
load lazily from a local folder or the Hugging Face cache and are never downloaded by the app.
Results are plain JSON-able data (``transcript.Transcript``) cached by the audio's content.
"""
