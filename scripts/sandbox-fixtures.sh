#!/usr/bin/env bash
# Regenerates the stand-in's committed videos (src/sandbox/fixtures/sandbox-<res>-<s>s.mp4):
# one per shape Seedance makes, lasting the requested seconds at the requested size, 24 fps,
# H.264 Main, yuv420p, no audio, moov first. Needs ffmpeg (with libx264 and libfreetype) and
# the DejaVu fonts, for a developer only: nothing at install or run time uses ffmpeg.
# Flat graphics keep them small (~25-65 kB): a title, the shape, a clock, a square moving
# left to right and a progress bar along the bottom, so a seek shows where it landed.
set -euo pipefail
cd "$(dirname "$0")/../src/sandbox/fixtures"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
bold=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

make() {
  local width=$1 height=$2 seconds=$3 name=$4
  local box=$((height / 6)) bar=$((height / 40)) title=$((height / 12)) text=$((height / 20))
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "color=c=0x1b2340:size=${width}x${height}:rate=24:duration=${seconds}" \
    -f lavfi -i "color=c=0xf2b134:size=${box}x${box}:rate=24" \
    -f lavfi -i "color=c=0xe8e8e8:size=${width}x${bar}:rate=24" \
    -filter_complex "[0][1]overlay=x='(W-w)*t/${seconds}':y=H*0.62:eval=frame:shortest=1[moving];\
[moving][2]overlay=x='-W+W*(t+1/24)/${seconds}':y=H-h:eval=frame:shortest=1,\
drawtext=fontfile=${bold}:text='seedance sandbox':fontcolor=white:fontsize=${title}:x=(w-tw)/2:y=h*0.18,\
drawtext=fontfile=${font}:text='${width}x${height}, ${seconds} s, 24 fps':fontcolor=0xdddddd:fontsize=${text}:x=(w-tw)/2:y=h*0.33,\
drawtext=fontfile=${font}:text='%{pts\:hms}':fontcolor=white:fontsize=${text}:x=(w-tw)/2:y=h*0.45" \
    -c:v libx264 -profile:v main -pix_fmt yuv420p -preset veryslow -crf 36 -g 48 \
    -movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact -an "${name}"
}

make 854 480 5 sandbox-480p-5s.mp4
make 854 480 10 sandbox-480p-10s.mp4
make 1280 720 5 sandbox-720p-5s.mp4
make 1280 720 10 sandbox-720p-10s.mp4
ls -l sandbox-*.mp4
