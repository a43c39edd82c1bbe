; Inno Setup script for t2v-desktop (Windows installer around the PyInstaller one-folder build).
; Build: see packaging/windows/README.md  (iscc packaging\windows\t2v-desktop.iss)
#define AppName "t2v-desktop"
; build.ps1 passes /DAppVersion=<t2v_desktop.__version__>; this default must match it (tests check)
#ifndef AppVersion
#define AppVersion "0.1.0"
#endif
#define BundleDir "..\..\dist\t2v-desktop"

[Setup]
AppId={{6B7C1E2A-4E1B-4B0F-9D7C-2F7A1E0C5D10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=t2v-desktop developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=t2v-desktop-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\..\build\icons\t2v-desktop.ico
UninstallDisplayIcon={app}\t2v-desktop.exe
ChangesAssociations=yes
PrivilegesRequiredOverridesAllowed=dialog

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\t2v-desktop.exe"
Name: "{group}\{#AppName} command line"; Filename: "{cmd}"; Parameters: "/k ""{app}\t2v-desktop-cli.exe"" --help"; WorkingDir: "{userdocs}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\t2v-desktop.exe"; Tasks: desktopicon

[Registry]
; .t2v project files open in t2v-desktop (Windows associates by the last extension only, so
; NAME.t2v.json files stay with the JSON handler)
Root: HKA; Subkey: "Software\Classes\.t2v"; ValueType: string; ValueName: ""; ValueData: "t2vdesktop.project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\t2vdesktop.project"; ValueType: string; ValueName: ""; ValueData: "t2v-desktop project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\t2vdesktop.project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\t2v-desktop.exe,0"
Root: HKA; Subkey: "Software\Classes\t2vdesktop.project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\t2v-desktop.exe"" ""%1"""

[Run]
Filename: "{app}\t2v-desktop.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
