// Widgets of the image editor, small and local (no extra npm packages, no eval):
// - ImageWorkbench: the preview, with a crop box to drag or a mask to paint on top.
//   Crops are reported as fractions of the picture; the mask is reported as a PNG
//   data URL, opaque everywhere except where it was painted (OpenAI's convention:
//   transparent = may change).
// - AdjustSlider: a native range input that stays smooth while it is dragged,
//   reports values at most every `every` ms (and the last one), then once more
//   when the change is committed (pointer released, key pressed).
import { useEffect, useRef, useState } from "react";

const QUIET_MS = 400;
const clamp = (value) => Math.min(1, Math.max(0, value));
const round = (value) => Math.round(value * 10000) / 10000;

function fraction(event, element) {
  const rect = element.getBoundingClientRect();
  return {
    x: clamp((event.clientX - rect.left) / rect.width),
    y: clamp((event.clientY - rect.top) / rect.height),
  };
}

function exportMask(canvas) {
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height;
  const context = out.getContext("2d");
  context.fillStyle = "#000";
  context.fillRect(0, 0, out.width, out.height);
  // Painted pixels punch holes in the opaque layer.
  context.globalCompositeOperation = "destination-out";
  context.drawImage(canvas, 0, 0);
  return out.toDataURL("image/png");
}

export function ImageWorkbench({
  src = "",
  alt = "",
  mode = "view",
  brush = 40,
  maskKey = 0,
  onCrop,
  onMask,
}) {
  const image = useRef(null);
  const canvas = useRef(null);
  const start = useRef(null);
  const last = useRef(null);
  const [box, setBox] = useState(null);

  const fitCanvas = () => {
    const picture = image.current;
    const layer = canvas.current;
    if (!picture || !layer || !picture.naturalWidth) return;
    // Resizing a canvas clears it: only when the picture's shape really changed.
    if (layer.width !== picture.naturalWidth || layer.height !== picture.naturalHeight) {
      layer.width = picture.naturalWidth;
      layer.height = picture.naturalHeight;
    }
  };

  useEffect(() => {
    const layer = canvas.current;
    if (layer) layer.getContext("2d").clearRect(0, 0, layer.width, layer.height);
  }, [maskKey]);

  useEffect(() => setBox(null), [src, mode]);

  const paint = (event) => {
    const layer = canvas.current;
    const point = fraction(event, layer);
    const context = layer.getContext("2d");
    const scale = layer.width / layer.getBoundingClientRect().width;
    context.strokeStyle = "#ff2d7a";
    context.lineCap = "round";
    context.lineJoin = "round";
    context.lineWidth = brush * scale;
    context.beginPath();
    const from = last.current || point;
    context.moveTo(from.x * layer.width, from.y * layer.height);
    context.lineTo(point.x * layer.width + 0.01, point.y * layer.height);
    context.stroke();
    last.current = point;
  };

  const down = (event) => {
    if (mode === "view") return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    if (mode === "crop") {
      start.current = fraction(event, event.currentTarget);
      setBox({ ...start.current, x1: start.current.x, y1: start.current.y });
    } else {
      fitCanvas();
      last.current = null;
      paint(event);
    }
  };

  const move = (event) => {
    if (mode === "crop" && start.current) {
      const point = fraction(event, event.currentTarget);
      setBox({ ...start.current, x1: point.x, y1: point.y });
    } else if (mode === "mask" && last.current) {
      paint(event);
    }
  };

  const up = (event) => {
    if (mode === "crop" && start.current) {
      const point = fraction(event, event.currentTarget);
      const left = Math.min(start.current.x, point.x);
      const top = Math.min(start.current.y, point.y);
      const width = Math.abs(point.x - start.current.x);
      const height = Math.abs(point.y - start.current.y);
      start.current = null;
      if (width > 0.01 && height > 0.01 && onCrop) {
        onCrop(round(left), round(top), round(width), round(height));
      }
    } else if (mode === "mask" && last.current) {
      last.current = null;
      if (onMask) onMask(exportMask(canvas.current));
    }
  };

  const shown = box && {
    left: `${Math.min(box.x, box.x1) * 100}%`,
    top: `${Math.min(box.y, box.y1) * 100}%`,
    width: `${Math.abs(box.x1 - box.x) * 100}%`,
    height: `${Math.abs(box.y1 - box.y) * 100}%`,
  };

  return (
    <div className={`nm-workbench nm-workbench-${mode}`}>
      <img ref={image} src={src} alt={alt} onLoad={fitCanvas} draggable={false} />
      <canvas
        ref={canvas}
        className="nm-mask-layer"
        aria-hidden="true"
        hidden={mode !== "mask"}
      />
      <div
        className="nm-workbench-surface"
        aria-hidden="true"
        hidden={mode === "view"}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
      >
        {shown && <div className="nm-crop-box" style={shown} />}
      </div>
    </div>
  );
}

export function AdjustSlider({
  id,
  value = 100,
  min = 0,
  max = 200,
  step = 1,
  every = 90,
  onPreview,
  onCommit,
}) {
  const input = useRef(null);
  const [local, setLocal] = useState(value);
  const timer = useRef(null);
  const pending = useRef(null);
  const sent = useRef(value);
  const lastTouched = useRef(0);
  const latest = useRef(value);
  latest.current = value;
  const callbacks = useRef({});
  callbacks.current = { onPreview, onCommit };

  // The server's value wins (undo, redo, another image), but only once the
  // person has left the slider alone for a moment: echoes of values sent
  // while dragging or pressing keys would otherwise pull the thumb back.
  useEffect(() => {
    let waiting = null;
    const sync = () => {
      const rest = lastTouched.current + QUIET_MS - performance.now();
      if (rest > 0) {
        waiting = setTimeout(sync, rest);
        return;
      }
      setLocal(latest.current);
      sent.current = latest.current;
    };
    sync();
    return () => clearTimeout(waiting);
  }, [value]);

  const flush = () => {
    timer.current = null;
    const next = pending.current;
    pending.current = null;
    if (next === null || next === sent.current) return;
    sent.current = next;
    if (callbacks.current.onPreview) callbacks.current.onPreview(next);
    timer.current = setTimeout(flush, every);
  };

  useEffect(() => {
    const element = input.current;
    const commit = () => {
      clearTimeout(timer.current);
      timer.current = null;
      pending.current = null;
      lastTouched.current = performance.now();
      const final = Number(element.value);
      sent.current = final;
      if (callbacks.current.onCommit) callbacks.current.onCommit(final);
    };
    element.addEventListener("change", commit);
    return () => {
      element.removeEventListener("change", commit);
      clearTimeout(timer.current);
    };
  }, []);

  const touched = () => {
    lastTouched.current = performance.now();
  };

  return (
    <input
      ref={input}
      id={id}
      type="range"
      className="nm-slider"
      min={min}
      max={max}
      step={step}
      value={local}
      aria-valuetext={`${local}%`}
      onPointerDown={touched}
      onKeyDown={touched}
      onChange={(event) => {
        touched();
        const next = Number(event.target.value);
        setLocal(next);
        pending.current = next;
        if (!timer.current) flush();
      }}
    />
  );
}
