<#
.SYNOPSIS
  Registers Magnetar's native-messaging host for the current user on Windows (HKCU only, no admin).

.DESCRIPTION
  Writes %APPDATA%\Magnetar\bin\magnetar-host.cmd (runs node.exe with native-host\dist\magnetar.mjs),
  one host manifest per browser under %APPDATA%\Magnetar\native-messaging\, and a registry key per
  browser whose default value is that manifest's path:
    HKCU\Software\Google\Chrome\NativeMessagingHosts\com.magnetar.host
    HKCU\Software\Chromium\NativeMessagingHosts\com.magnetar.host
    HKCU\Software\BraveSoftware\Brave-Browser\NativeMessagingHosts\com.magnetar.host
    HKCU\Software\Microsoft\Edge\NativeMessagingHosts\com.magnetar.host
    HKCU\Software\Vivaldi\NativeMessagingHosts\com.magnetar.host
    HKCU\Software\Mozilla\NativeMessagingHosts\com.magnetar.host
  Everything it adds is listed in %APPDATA%\Magnetar\install-state.json; -Uninstall removes exactly that.
  Running it twice is harmless.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File install-scripts\install-host.ps1
  powershell -ExecutionPolicy Bypass -File install-scripts\install-host.ps1 -Browser chrome,firefox
  powershell -ExecutionPolicy Bypass -File install-scripts\install-host.ps1 -Uninstall
  powershell -ExecutionPolicy Bypass -File install-scripts\install-host.ps1 -DryRun
#>
[CmdletBinding()]
param(
  [string[]] $Browser = @(),
  [switch] $Uninstall,
  [switch] $DryRun,
  [string] $HostScript = '',
  [string] $Node = ''
)

$ErrorActionPreference = 'Stop'
$HostName = 'com.magnetar.host'
$Repo = Split-Path -Parent $PSScriptRoot
$DataDir = if ($env:MAGNETAR_HOME) { $env:MAGNETAR_HOME } else { Join-Path $env:APPDATA 'Magnetar' }
$StatePath = Join-Path $DataDir 'install-state.json'

$Keys = [ordered]@{
  chrome   = @{ Label = 'Google Chrome';  Key = 'HKCU:\Software\Google\Chrome\NativeMessagingHosts';                Detect = 'HKCU:\Software\Google\Chrome' }
  chromium = @{ Label = 'Chromium';       Key = 'HKCU:\Software\Chromium\NativeMessagingHosts';                     Detect = 'HKCU:\Software\Chromium' }
  brave    = @{ Label = 'Brave';          Key = 'HKCU:\Software\BraveSoftware\Brave-Browser\NativeMessagingHosts';  Detect = 'HKCU:\Software\BraveSoftware\Brave-Browser' }
  edge     = @{ Label = 'Microsoft Edge'; Key = 'HKCU:\Software\Microsoft\Edge\NativeMessagingHosts';               Detect = 'HKCU:\Software\Microsoft\Edge' }
  vivaldi  = @{ Label = 'Vivaldi';        Key = 'HKCU:\Software\Vivaldi\NativeMessagingHosts';                      Detect = 'HKCU:\Software\Vivaldi' }
  firefox  = @{ Label = 'Firefox';        Key = 'HKCU:\Software\Mozilla\NativeMessagingHosts';                      Detect = 'HKCU:\Software\Mozilla' }
}

# UTF-8 without a byte-order mark: Windows PowerShell 5's `-Encoding UTF8` adds one, and a BOM in a
# host manifest is not something to bet on.
function Write-Utf8([string] $Path, [string] $Text) {
  [System.IO.File]::WriteAllText($Path, $Text, (New-Object System.Text.UTF8Encoding $false))
}

function Say([string] $s) { if ($DryRun) { Write-Output "would $s" } else { Write-Output $s } }

function Get-ChromeId([string] $KeyBase64) {
  # sha256 of the DER public key, first 32 hex digits mapped 0-f -> a-p (what Chrome does).
  $bytes = [Convert]::FromBase64String($KeyBase64)
  $hash = [System.Security.Cryptography.SHA256]::Create().ComputeHash($bytes)
  $hex = -join ($hash | ForEach-Object { $_.ToString('x2') })
  -join ($hex.Substring(0, 32).ToCharArray() | ForEach-Object { [char](97 + [Convert]::ToInt32([string]$_, 16)) })
}

function Read-State {
  if (Test-Path $StatePath) { return Get-Content -Raw $StatePath | ConvertFrom-Json }
  return [pscustomobject]@{ version = 1; files = @(); keys = @() }
}

if ($Uninstall) {
  $state = Read-State
  foreach ($k in @($state.keys)) {
    if (Test-Path $k) { Say "remove registry key $k"; if (-not $DryRun) { Remove-Item -Path $k -Recurse -Force } }
  }
  foreach ($f in @($state.files)) {
    if (Test-Path $f) { Say "remove $f"; if (-not $DryRun) { Remove-Item -Force $f } }
  }
  if (Test-Path $StatePath) { Say "remove $StatePath"; if (-not $DryRun) { Remove-Item -Force $StatePath } }
  exit 0
}

$manifest = Get-Content -Raw (Join-Path $Repo 'manifest.json') | ConvertFrom-Json
$chromeId = Get-ChromeId $manifest.key
$geckoId = $manifest.browser_specific_settings.gecko.id
if (-not $HostScript) { $HostScript = Join-Path $Repo 'native-host\dist\magnetar.mjs' }
if (-not $Node) { $Node = (Get-Command node.exe -ErrorAction Stop).Source }
if (-not (Test-Path $HostScript) -and -not $DryRun) {
  Write-Error "The host is not built yet ($HostScript is missing): run 'npm run build' first."
}

$targets = if ($Browser.Count -gt 0) { $Browser | ForEach-Object { $_.ToLower() } } else {
  $Keys.Keys | Where-Object { Test-Path $Keys[$_].Detect }
}
if (@($targets).Count -eq 0) { Write-Output 'No supported browser found. Name one with -Browser chrome,firefox,...'; exit 1 }

$state = Read-State
$files = [System.Collections.Generic.List[string]]::new(); @($state.files) | Where-Object { $_ } | ForEach-Object { $files.Add($_) }
$regKeys = [System.Collections.Generic.List[string]]::new(); @($state.keys) | Where-Object { $_ } | ForEach-Object { $regKeys.Add($_) }

$binDir = Join-Path $DataDir 'bin'
$nmDir = Join-Path $DataDir 'native-messaging'
$wrapper = Join-Path $binDir 'magnetar-host.cmd'
Say "write $wrapper (runs $Node $HostScript)"
if (-not $DryRun) {
  New-Item -ItemType Directory -Force -Path $binDir, $nmDir | Out-Null
  # %* passes the browser's arguments (origin or manifest path) through unchanged.
  Set-Content -Path $wrapper -Encoding ASCII -Value "@echo off`r`n`"$Node`" --max-semi-space-size=1 `"$HostScript`" %*`r`n"
}
if (-not $files.Contains($wrapper)) { $files.Add($wrapper) }

foreach ($b in $targets) {
  if (-not $Keys.Contains($b)) { Write-Error "unknown browser '$b' (one of: $($Keys.Keys -join ', '))" }
  $info = $Keys[$b]
  $file = Join-Path $nmDir "$HostName.$b.json"
  $body = [ordered]@{ name = $HostName; description = 'Magnetar BitTorrent engine'; path = $wrapper; type = 'stdio' }
  if ($b -eq 'firefox') { $body.allowed_extensions = @($geckoId) } else { $body.allowed_origins = @("chrome-extension://$chromeId/") }
  $key = "$($info.Key)\$HostName"
  Say "register for $($info.Label): $key -> $file"
  if (-not $DryRun) {
    Write-Utf8 $file ($body | ConvertTo-Json)
    New-Item -Path $key -Force | Out-Null
    Set-ItemProperty -Path $key -Name '(default)' -Value $file
  }
  if (-not $files.Contains($file)) { $files.Add($file) }
  if (-not $regKeys.Contains($key)) { $regKeys.Add($key) }
}

if (-not $DryRun) {
  New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
  Write-Utf8 $StatePath ([pscustomobject]@{ version = 1; files = $files.ToArray(); keys = $regKeys.ToArray() } | ConvertTo-Json)
  Write-Output "done. Extension id $chromeId (Chrome family), $geckoId (Firefox)."
} else {
  Write-Output 'dry run: nothing was written'
}
