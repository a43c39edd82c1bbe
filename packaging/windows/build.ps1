# Build the Windows installer: PyInstaller bundle, self-test, then Inno Setup.
# Run from the repository root in PowerShell:  powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
py -3.11 -m venv build\pkgvenv
build\pkgvenv\Scripts\python -m pip install --upgrade pip
build\pkgvenv\Scripts\python -m pip install . "pyinstaller>=6.5"
$env:QT_QPA_PLATFORM = "offscreen"
build\pkgvenv\Scripts\python packaging\icons\render_icons.py packaging\icons\t2v-desktop.svg build\icons
Remove-Item Env:QT_QPA_PLATFORM
build\pkgvenv\Scripts\python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\pyinstaller\t2v-desktop.spec
dist\t2v-desktop\t2v-desktop.exe --self-test
if ($LASTEXITCODE -ne 0) { throw "self-test failed" }
& "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" packaging\windows\t2v-desktop.iss
