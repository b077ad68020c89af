"""DVC stage train_classifier: the LeNet whose features FID uses -> models/classifier/, metrics/classifier.json."""
from invdiff import tracking
from invdiff.data import mnist
from invdiff.io import write_json
from invdiff.stage import run_stage
from invdiff.tasks import classifier
from invdiff.training import train, write_training_outputs


def work(params):
    result = train("classifier", params, "models/classifier")
    write_training_outputs("classifier", result)
    images, labels = mnist.load_split(mnist.RAW_DIR, "test")
    _, logits = classifier.predict(classifier.load(result.checkpoint).net, mnist.to_model_space(images))
    accuracy = float((logits.argmax(-1).numpy() == labels).mean())
    tracking.log_metrics({"test_accuracy": accuracy}, run_id=result.run_id)
    write_json("metrics/classifier.json", {"test_accuracy": accuracy, "test_size": int(len(labels)),
                                           "num_parameters": result.num_parameters, "data_source": "real"})


if __name__ == "__main__":
    run_stage("train_classifier", work)
