"""The seed's stack, for side-by-side load tests only: FastAPI + uvicorn +
OpenCV applyColorMap + imencode, rendering POST /vector_image the way the
original prototype did (near-square grid, nearest resize, viridis)."""
import math

import cv2
import numpy as np
from fastapi import FastAPI, Response
from pydantic import BaseModel

app = FastAPI()


class VectorImage(BaseModel):
    values: list[float]
    width: int = 256
    height: int = 256


@app.post("/vector_image")
def vector_image(req: VectorImage) -> Response:
    v = np.asarray(req.values, dtype=np.float64)
    n = v.size
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.zeros(rows * cols)
    grid[:n] = v
    grid = grid.reshape(rows, cols)
    lo, hi = grid.min(), grid.max()
    u8 = ((grid - lo) / ((hi - lo) or 1) * 255).astype(np.uint8)
    img = cv2.resize(u8, (req.width, req.height), interpolation=cv2.INTER_NEAREST)
    ok, png = cv2.imencode(".png", cv2.applyColorMap(img, cv2.COLORMAP_VIRIDIS))
    return Response(png.tobytes(), media_type="image/png")
