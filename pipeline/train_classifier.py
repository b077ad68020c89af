"""DVC stage train_classifier: the LeNet whose features FID uses -> models/classifier/, metrics/classifier.json."""
from invdiff import tracking
from invdiff.experiments.mnist import classifier
from invdiff.io import write_json
from invdiff.paths import metrics_path, models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs


def work(params):
    task = classifier.ClassifierTask()
    result = train(task, params, models_dir() / task.name)
    write_training_outputs(task.name, result)
    accuracy, size = classifier.test_accuracy(classifier.load(result.checkpoint).net)
    tracking.log_metrics({"test_accuracy": accuracy}, run_id=result.run_id)
    write_json(metrics_path("classifier"), {"test_accuracy": accuracy, "test_size": size,
                                            "num_parameters": result.num_parameters, "data_source": "real"})


if __name__ == "__main__":
    run_stage("train_classifier", work)
