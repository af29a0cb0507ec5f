; The station's Windows installer: cwr-station-setup-<version>.exe.
; Built by packaging/build-windows.sh (Debian's makensis):
;   makensis -INPUTCHARSET UTF8 -DVERSION=0.1.0 -DEXE=path\to\cwr-station.exe -DOUTFILE=setup.exe cwr-station.nsi
;
; Per user, without administrator rights: a site PC's clerk is rarely an administrator, and
; the station's data (%APPDATA%\cwr-station) is per user anyway. /S installs silently.
; Uninstalling removes the program, the shortcuts and the Apps & features entry, and keeps the
; data dir: its queue may hold records the platform has not received yet.

Unicode true
; The program is 64-bit; a 64-bit installer also runs where only 64-bit Wine is present.
Target amd64-unicode
RequestExecutionLevel user
ManifestDPIAware true
SetCompressor /SOLID lzma

!ifndef VERSION | EXE | OUTFILE
  !error "give -DVERSION=x.y.z -DEXE=cwr-station.exe -DOUTFILE=setup.exe"
!endif
; Four numbers for the installer's own version resource (VERSION may carry a -suffix).
!ifndef VIVERSION
  !define VIVERSION "${VERSION}"
!endif
!ifndef ICON
  !define ICON "..\..\assets\icon\cwr-station.ico"
!endif
!ifndef MODELS
  !define MODELS "..\..\assets\models"
!endif

!define APPNAME "实名制登记工作站"
!define PUBLISHER "CWR Station"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\cwr-station"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\cwr-station"
; A second install (an update) goes where the first one went.
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${VIVERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=2052 "FileDescription" "${APPNAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "MIT OR Apache-2.0"

!include MUI2.nsh
!include FileFunc.nsh

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\cwr-station.exe"
!define MUI_FINISHPAGE_RUN_TEXT "启动${APPNAME}"
!define MUI_UNCONFIRMPAGE_TEXT_TOP "将删除${APPNAME}程序和它的快捷方式。$\r$\n登记数据（$APPDATA\cwr-station，其中可能有尚未上传到平台的记录）会保留在本机；重新安装后可继续使用。"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Section "Install"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File "/oname=cwr-station.exe" "${EXE}"
  ; The face models (人证匹配), beside the program where host::paths::models_dir looks, with
  ; their licences and provenance.
  SetOutPath "$INSTDIR\models"
  File "${MODELS}\*.onnx"
  File "${MODELS}\LICENSE-*"
  File "${MODELS}\README.md"
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\cwr-station.exe" "" "$INSTDIR\cwr-station.exe" 0
  CreateShortCut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\cwr-station.exe" "" "$INSTDIR\cwr-station.exe" 0

  ; Apps & features of this user (HKCU: no administrator rights needed).
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\cwr-station.exe,0"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  ; A running station holds its .exe open: say so instead of leaving half a program behind.
  retry:
  ClearErrors
  Delete "$INSTDIR\cwr-station.exe"
  IfErrors 0 removed
  IfSilent 0 +3
    SetErrorLevel 2
    Abort "cwr-station.exe 正在运行，无法删除。"
  MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "请先关闭${APPNAME}，再点“重试”。" IDRETRY retry
  Abort "cwr-station.exe 正在运行，没有卸载。"
  removed:
  Delete "$INSTDIR\uninstall.exe"
  Delete "$INSTDIR\models\*.onnx"
  Delete "$INSTDIR\models\LICENSE-*"
  Delete "$INSTDIR\models\README.md"
  RMDir "$INSTDIR\models"
  ; Only if empty: never remove files someone else put there.
  RMDir "$INSTDIR"

  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$DESKTOP\${APPNAME}.lnk"
  DeleteRegKey HKCU "${UNINST_KEY}"

  DetailPrint "登记数据保留在 $APPDATA\cwr-station（可能含尚未上传的记录）。"
  DetailPrint "如确实不再需要，可手工删除该文件夹；平台密钥在 Windows 凭据管理器中（cwr-station）。"
SectionEnd
