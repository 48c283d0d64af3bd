"""Quantisation-aware training of the QKeras MLP, or a trained model from `model.pretrained`
(`harness.nn.pretrained`) in its place.

The model is trained with QKeras quantizers in the loop (QAT), optionally with magnitude pruning from
tensorflow-model-optimization (polynomial decay to the target sparsity), so the weights hls4ml sees
are already on the fixed-point grid and exact zeros cost nothing in the firmware.

`save_model` and `load_model` are the trained model's form in the training cache (`harness.cache`). They
stay in this module because the cache key covers its source (`harness.cache.training_key`): a change to
the stored form gives new keys, so an entry stored in an older form is never read back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness import numerics
from harness.data import Dataset
from harness.nn.onnx_network import OnnxNetwork
from harness.nn.pretrained import check_input, load_pretrained
from harness.nn.qkeras_objects import custom_objects
from harness.spec import DesignSpec, NNModelSpec
from harness.stages import Trained


def train(spec: DesignSpec, data: Dataset, out_dir: Path) -> Trained:
    import tensorflow as tf

    model_spec = spec.nn_model
    tf.keras.utils.set_random_seed(spec.seed)
    tf.config.experimental.enable_op_determinism()
    if (pretrained := model_spec.pretrained_spec) is not None:
        model = load_pretrained(spec)
        files = pretrained.files()
        source = files.get("model") or files["architecture"]
        check_input(model, data, f"model.pretrained: {spec.resolve(source)}")
        info = {"trained": False, "pretrained": source}
    else:
        model, fit_info = _fit(_build(model_spec, data.n_features, data.n_classes), spec, data)
        info = {"trained": True, **fit_info, "cpu_numerics": numerics.settings()}
    if isinstance(model, OnnxNetwork):
        info.update(model.info())
        return Trained(model=model, float_scores=model.predict(data.x_test), info=info)
    scores = model.predict(data.x_test, batch_size=4096, verbose=0)
    info["sparsity"] = round(_sparsity(model), 4)
    info["parameters"] = int(model.count_params())
    return Trained(model=model, float_scores=scores, info=info)


#: A trained model in a cache folder: Keras JSON architecture plus HDF5 weights, as users hand models over.
CACHED_ARCHITECTURE, CACHED_WEIGHTS = "model.json", "weights.h5"


def save_model(model, folder: Path) -> bool:
    """Store a trained (pruning-stripped) QKeras model for `harness.cache`; never a pickle."""
    (folder / CACHED_ARCHITECTURE).write_text(model.to_json())
    model.save_weights(str(folder / CACHED_WEIGHTS))
    return True


def load_model(spec: DesignSpec, folder: Path, out_dir: Path) -> tuple[object, dict]:
    """A model `save_model` stored, rebuilt with the QKeras classes (`custom_objects`)."""
    from tensorflow.keras.models import model_from_json

    model = model_from_json((folder / CACHED_ARCHITECTURE).read_text(), custom_objects=custom_objects())
    model.load_weights(str(folder / CACHED_WEIGHTS))
    return model, {}


def _build(model_spec: NNModelSpec, n_in: int, n_out: int):
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    def dense(width: int, name: str) -> QDense:
        quantizer = quantized_bits(model_spec.weight_bits, model_spec.weight_integer_bits, alpha=1)
        return QDense(
            width,
            kernel_quantizer=quantizer,
            bias_quantizer=quantizer,
            name=name,
            kernel_initializer="lecun_uniform",
            kernel_regularizer=tf.keras.regularizers.l1(1e-4),
        )

    layers = [tf.keras.Input(shape=(n_in,), name="fc1_input")]
    for index, width in enumerate(model_spec.hidden, start=1):
        layers.append(dense(width, f"fc{index}"))
        relu = quantized_relu(model_spec.activation_bits, model_spec.activation_integer_bits)
        layers.append(QActivation(relu, name=f"relu{index}"))
    layers.append(dense(n_out, "output"))
    layers.append(tf.keras.layers.Activation("softmax", name="softmax"))
    return tf.keras.Sequential(layers, name="jet_mlp")


def _fit(model, spec: DesignSpec, data: Dataset) -> tuple[object, dict]:
    """Train (QAT, with pruning when asked); returns the trained model with pruning wrappers stripped."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    recipe = spec.training
    steps = int(np.ceil(len(data.x_train) / recipe.batch_size)) * recipe.epochs
    callbacks = []
    target = spec.nn_model.pruning
    if target > 0:
        schedule = tfmot.sparsity.keras.PolynomialDecay(
            initial_sparsity=0.0, final_sparsity=target, **pruning_steps(steps)
        )
        model = tfmot.sparsity.keras.prune_low_magnitude(model, pruning_schedule=schedule)
        callbacks.append(tfmot.sparsity.keras.UpdatePruningStep())
    model.compile(
        optimizer=tf.keras.optimizers.Adam(recipe.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        data.x_train,
        data.y_train,
        validation_data=(data.x_val, data.y_val),
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[*callbacks, _Progress(recipe.epochs)],
    )
    if target > 0:
        model = tfmot.sparsity.keras.strip_pruning(model)
    return model, {
        "epochs": recipe.epochs,
        "steps": steps,
        "pruning_target": target,
        "val_accuracy": round(float(history.history["val_accuracy"][-1]), 5),
    }


def pruning_steps(steps: int) -> dict[str, int]:
    """begin/end step and update frequency of the polynomial-decay pruning schedule for `steps` steps.

    tensorflow-model-optimization prunes only on steps where (step - begin) % frequency == 0 and
    step <= end, with a default frequency of 100: a short (sweep) training of a few hundred steps
    would stop short of its target sparsity. Pruning runs over the middle 60 % of training in 10
    updates, and end is placed on an update step, so the last update reaches the target exactly and
    the remaining 20 % of the steps fine-tune the pruned weights.
    """
    begin = steps // 5
    frequency = max(1, (steps * 3 // 5) // 10)
    updates = max(1, (steps * 4 // 5 - begin) // frequency)
    return {"begin_step": begin, "end_step": begin + updates * frequency, "frequency": frequency}


def _sparsity(model) -> float:
    kernels = [w for layer in model.layers for w in layer.get_weights()[:1] if w.ndim == 2]
    total = sum(k.size for k in kernels)
    return float(sum((k == 0).sum() for k in kernels) / total) if total else 0.0


class _Progress:
    """A Keras callback printing one line per few epochs (long trainings show progress)."""

    def __new__(cls, epochs: int):
        import tensorflow as tf

        class Progress(tf.keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                if (epoch + 1) % max(1, epochs // 5) == 0 or epoch + 1 == epochs:
                    logs = logs or {}
                    print(
                        f"  epoch {epoch + 1}/{epochs}: loss {logs.get('loss', float('nan')):.4f} "
                        f"val_accuracy {logs.get('val_accuracy', float('nan')):.4f}",
                        flush=True,
                    )

        return Progress()
