"""Training throughput of a layer graph (cells/graph.ts, as JSON) in PyTorch, for bench:train --torch.

Reads {"graph", "batch", "threads", "layout": "nchw"|"channels_last", "optimizer", "budgetSeconds", "maxSteps"} on
stdin and prints {"samplesPerSecond", "steps", "seconds", "params", "torch"} on stdout. The network is built
node for node from the same graph the tfjs builder reads: the same convolutions, batch norms,
pools, concatenations and dense layers, trained as bench/train.ts trains it (its optimizer at
learning rate 0.01, tfjs' defaults for the rest; categorical cross-entropy of the softmax output;
one random batch of 28x28x1 images).
Padding follows tfjs' 'same' rule (the odd pixel at the bottom/right), so every shape matches.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def same_pads(size, kernel, stride, dilation):
    effective = (kernel - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


ACTIVATIONS = {
    "relu": F.relu,
    "relu6": F.relu6,
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda x: F.softmax(x, dim=1),
    "linear": lambda x: x,
}


class GraphNetwork(nn.Module):
    """Runs the layer graph in NCHW; shapes are tracked as (channels, height, width) or (features,)."""

    def __init__(self, graph):
        super().__init__()
        self.nodes = graph["nodes"]
        self.output = graph["output"]
        self.layers = nn.ModuleDict()
        self.pads = {}
        shapes = {}
        for node in self.nodes:
            op, key = node["op"], str(node["id"])
            ins = [shapes[i] for i in node["inputs"]]
            if op == "input":
                shapes[node["id"]] = (node["channels"], node["height"], node["width"])
            elif op in ("conv2d", "depthwiseConv2d"):
                c, h, w = ins[0]
                kh, kw = node["kernel"]
                s, d = node["strides"], node["dilation"]
                if node["padding"] == "same":
                    top, bottom = same_pads(h, kh, s, d)
                    left, right = same_pads(w, kw, s, d)
                    self.pads[key] = (left, right, top, bottom)
                    h, w = math.ceil(h / s), math.ceil(w / s)
                else:
                    h = (h - (kh - 1) * d - 1) // s + 1
                    w = (w - (kw - 1) * d - 1) // s + 1
                out = node["filters"] if op == "conv2d" else c
                groups = 1 if op == "conv2d" else c
                self.layers[key] = nn.Conv2d(c, out, (kh, kw), s, 0, d, groups, node["useBias"])
                shapes[node["id"]] = (out, h, w)
            elif op == "dense":
                self.layers[key] = nn.Linear(ins[0][0], node["units"], node["useBias"])
                shapes[node["id"]] = (node["units"],)
            elif op == "batchNorm":
                shape = ins[0]
                norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
                self.layers[key] = norm(shape[0], eps=1e-3, momentum=0.01)
                shapes[node["id"]] = shape
            elif op in ("maxPool", "avgPool"):
                c, h, w = ins[0]
                p, s = node["pool"], node["strides"]
                if node["padding"] == "same":
                    top, bottom = same_pads(h, p, s, 1)
                    left, right = same_pads(w, p, s, 1)
                    self.pads[key] = (left, right, top, bottom)
                    h, w = math.ceil(h / s), math.ceil(w / s)
                else:
                    h, w = (h - p) // s + 1, (w - p) // s + 1
                shapes[node["id"]] = (c, h, w)
            elif op == "globalAvgPool":
                c = ins[0][0]
                shapes[node["id"]] = (c, 1, 1) if node["keepDims"] else (c,)
            elif op == "flatten":
                shapes[node["id"]] = (math.prod(ins[0]),)
            elif op == "concat":
                shapes[node["id"]] = (sum(s[0] for s in ins),) + tuple(ins[0][1:])
            elif op == "zeroPad":
                t, b, l, r = node["pad"]
                c, h, w = ins[0]
                shapes[node["id"]] = (c, h + t + b, w + l + r)
            elif op == "crop":
                t, b, l, r = node["crop"]
                c, h, w = ins[0]
                shapes[node["id"]] = (c, h - t - b, w - l - r)
            elif op == "resize":
                shapes[node["id"]] = (ins[0][0], node["height"], node["width"])
            elif op in ("activation", "dropout", "add", "multiply"):
                shapes[node["id"]] = ins[0]
            else:
                raise ValueError(f"unknown op {op} of node {node['name']}")

    def forward(self, x):
        values = {}
        for node in self.nodes:
            op, key = node["op"], str(node["id"])
            ins = [values[i] for i in node["inputs"]]
            if op == "input":
                y = x
            elif op in ("conv2d", "depthwiseConv2d"):
                y = ins[0]
                if key in self.pads:
                    y = F.pad(y, self.pads[key])
                y = ACTIVATIONS[node["activation"]](self.layers[key](y))
            elif op == "dense":
                y = ACTIVATIONS[node["activation"]](self.layers[key](ins[0]))
            elif op == "batchNorm":
                y = self.layers[key](ins[0])
            elif op == "activation":
                y = ACTIVATIONS[node["fn"]](ins[0])
            elif op in ("maxPool", "avgPool"):
                y = ins[0]
                if key in self.pads:
                    y = F.pad(y, self.pads[key], value=-math.inf if op == "maxPool" else 0.0)
                pool = F.max_pool2d if op == "maxPool" else F.avg_pool2d
                y = pool(y, node["pool"], node["strides"])
            elif op == "globalAvgPool":
                y = ins[0].mean(dim=(2, 3), keepdim=node["keepDims"])
            elif op == "flatten":
                y = torch.flatten(ins[0], 1)
            elif op == "dropout":
                y = F.dropout(ins[0], node["rate"], self.training)
            elif op == "add":
                y = ins[0]
                for other in ins[1:]:
                    y = y + other
            elif op == "multiply":
                y = ins[0] * ins[1]
            elif op == "concat":
                y = torch.cat(ins, dim=1)
            elif op == "zeroPad":
                t, b, l, r = node["pad"]
                y = F.pad(ins[0], (l, r, t, b))
            elif op == "crop":
                t, b, l, r = node["crop"]
                h, w = ins[0].shape[2], ins[0].shape[3]
                y = ins[0][:, :, t : h - b, l : w - r]
            elif op == "resize":
                y = F.interpolate(ins[0], size=(node["height"], node["width"]), mode="bilinear", align_corners=False)
            values[node["id"]] = y
        return values[self.output]


OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.01),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-7),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-7),
}


def main():
    request = json.load(sys.stdin)
    torch.set_num_threads(request["threads"])
    torch.manual_seed(1)
    graph, batch = request["graph"], request["batch"]
    first = graph["nodes"][0]
    memory = torch.channels_last if request["layout"] == "channels_last" else torch.contiguous_format
    model = GraphNetwork(graph).to(memory_format=memory)
    model.train()
    optimizer = OPTIMIZERS[request["optimizer"]](model.parameters())
    x = torch.rand(batch, first["channels"], first["height"], first["width"]).to(memory_format=memory)
    labels = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        probabilities = model(x)
        loss = F.nll_loss(torch.log(probabilities.clamp(1e-7, 1.0)), labels)
        loss.backward()
        optimizer.step()

    step()
    step()
    steps, start = 0, time.perf_counter()
    while steps < request["maxSteps"] and (steps == 0 or time.perf_counter() - start < request["budgetSeconds"]):
        step()
        steps += 1
    seconds = time.perf_counter() - start
    # Counted as tfjs' countParams() counts them: batch norms' moving statistics included.
    params = sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var"))
    )
    result = {"samplesPerSecond": steps * batch / seconds, "steps": steps, "seconds": seconds, "params": params}
    json.dump({**result, "torch": torch.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
