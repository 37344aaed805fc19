"""Training side of the workbench: models, offline weights, datasets, training loop, inference.

Imports torch, torchvision, timm and segmentation-models-pytorch; never Qt. Submodules are
imported explicitly (``from workbench.learn.models import get_model``) so that importing this
package stays cheap.
"""
