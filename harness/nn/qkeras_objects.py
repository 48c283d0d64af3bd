"""The QKeras classes Keras needs to rebuild a QKeras model from its JSON (`custom_objects`): for the
trained models of the training cache and for users' model files alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.spec import SpecError

if TYPE_CHECKING:  # TensorFlow is untyped (Any to mypy): the name says what a value holds
    from tensorflow.keras.layers import Layer as KerasLayer

#: Config keys of QKeras layers that hold a quantizer (object, JSON dict or string form).
QUANTIZER_SLOTS = ("activation", "quantizer")


def custom_objects() -> dict:
    """Every QKeras layer and quantizer class, by the class names QKeras writes into model JSON.

    QKeras' own table misses some quantizers (quantized_hswish), and its layers cannot rebuild a quantizer
    object from the JSON dict they were saved with (QActivation stores the dict and fails to call it:
    "could not be deserialized properly"), so each layer is entered as a loader that turns quantizer
    dicts back into quantizer objects before the real QKeras class is built.
    """
    from qkeras.utils import _add_supported_quantized_objects

    objects: dict = {}
    _add_supported_quantized_objects(objects)
    objects.update(_quantizer_classes())
    for name, cls in _qkeras_layers(objects).items():
        objects[name] = _loader(cls)
    return objects


def _quantizer_classes() -> dict[str, type]:
    """Every QKeras quantizer class (quantized_bits, quantized_relu, quantized_po2, binary, ...) by name."""
    import qkeras.quantizers as q

    return {
        name: obj
        for name, obj in vars(q).items()
        if isinstance(obj, type) and issubclass(obj, q.BaseQuantizer) and obj is not q.BaseQuantizer
    }


def _qkeras_layers(objects: dict) -> dict[str, type]:
    """The QKeras layer classes in `objects`, plus QDenseBatchnorm where the installed QKeras has it."""
    import tensorflow as tf

    layers = {
        name: obj
        for name, obj in objects.items()
        if isinstance(obj, type) and issubclass(obj, tf.keras.layers.Layer)
    }
    try:
        from qkeras.qdense_batchnorm import QDenseBatchnorm  # in QKeras' repository after the 0.9.0 release
    except ImportError:
        return layers
    return {**layers, "QDenseBatchnorm": QDenseBatchnorm}


def _loader(cls: type[KerasLayer]) -> type[KerasLayer]:
    """A stand-in for QKeras layer `cls` in `custom_objects`: its `from_config` builds a real `cls` from
    the config with quantizer dicts turned into quantizer objects (the model holds only QKeras classes)."""

    class Loader(cls):
        @classmethod
        def from_config(loader, config: dict, *args, **kwargs):  # noqa: N804 - Keras calls cls.from_config
            return cls.from_config(_quantizer_objects(config), *args, **kwargs)

    Loader.__name__ = Loader.__qualname__ = cls.__name__
    return Loader


def _quantizer_objects(config: dict) -> dict:
    """A QKeras layer config with each quantizer dict replaced by the quantizer object it describes."""
    from qkeras.quantizers import get_quantizer

    known = _quantizer_classes()
    config = dict(config)
    for key, value in config.items():
        if not (isinstance(value, dict) and "class_name" in value and key.endswith(QUANTIZER_SLOTS)):
            continue
        name, class_name = config.get("name", "?"), value["class_name"]
        if class_name not in known:
            quantizers = f"its quantizers: {', '.join(sorted(known))}"
            raise SpecError(_not_rebuilt(name, key, class_name, quantizers))
        try:
            config[key] = get_quantizer({"class_name": class_name, "config": value.get("config", {})})
        except (TypeError, ValueError) as exc:  # e.g. quantized_hswish saves keys its __init__ rejects
            raise SpecError(_not_rebuilt(name, key, class_name, str(exc))) from None
    return config


def _not_rebuilt(layer: str, key: str, class_name: str, why: str) -> str:
    from importlib import metadata

    return (
        f"model.pretrained: layer {layer}: {key} is a {class_name!r} object, which QKeras "
        f"{metadata.version('qkeras')} cannot rebuild from the model JSON ({why}). Save the layer with the "
        'quantizer in its string form, e.g. QActivation("quantized_relu(6,0)") or '
        'kernel_quantizer="quantized_bits(6,0,alpha=1)"'
    )
