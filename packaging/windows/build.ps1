# Build the Windows installer: PyInstaller bundle, self-test, then Inno Setup.
# Run from the repository root:  powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
$Version = (Select-String -Path t2v_desktop\__init__.py -Pattern '__version__ = "(.+)"').Matches[0].Groups[1].Value
if (-not (Test-Path build\pkgvenv\Scripts\python.exe)) { py -3.11 -m venv build\pkgvenv }
$Py = "build\pkgvenv\Scripts\python.exe"
& $Py -m pip install -q --upgrade pip
& $Py -m pip install -q -c constraints.txt . "pyinstaller>=6.5"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
$env:QT_QPA_PLATFORM = "offscreen"
& $Py packaging\icons\render_icons.py packaging\icons\t2v-desktop.svg build\icons   # also build\icons\t2v-desktop.ico
Remove-Item Env:QT_QPA_PLATFORM
if (Test-Path dist\t2v-desktop) { Remove-Item -Recurse -Force dist\t2v-desktop }
& $Py -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller packaging\pyinstaller\t2v-desktop.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
# t2v-desktop.exe is windowed (no console from the Start menu); the console twin runs the checks.
$Cli = "dist\t2v-desktop\t2v-desktop-cli.exe"
& $Cli parse "stabilize, then make it warmer" --json
if ($LASTEXITCODE -ne 0) { throw "parse failed" }
$env:QT_QPA_PLATFORM = "offscreen"
& $Cli --self-test
if ($LASTEXITCODE -ne 0) { throw "self-test failed" }
Remove-Item Env:QT_QPA_PLATFORM
& "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" "/DAppVersion=$Version" packaging\windows\t2v-desktop.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "built dist\t2v-desktop-$Version-windows-x64-setup.exe"
