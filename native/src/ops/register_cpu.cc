// Fills the registry with every op family's fast CPU kernels. Each family defines its
// register_<family>_cpu() in <family>/<family>_register.cc; uncomment a line when the family lands.
namespace nodulab {

void register_activation_cpu();
void register_conv3d_cpu();
void register_matmul_cpu();
void register_pool3d_cpu();
void register_batchnorm_cpu();
void register_elementwise_cpu();
void register_softmax_cpu();
void register_contrastive_cpu();
void register_noise_cpu();

void register_cpu_kernels() {
  register_activation_cpu();
  register_conv3d_cpu();
  register_matmul_cpu();
  register_pool3d_cpu();
  register_batchnorm_cpu();
  register_elementwise_cpu();
  register_softmax_cpu();
  register_contrastive_cpu();
  register_noise_cpu();
}

}  // namespace nodulab
